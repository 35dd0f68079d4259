package io.qemuoperator.api.v1alpha1.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import java.util.Objects;

/** A Service the operator creates for the VM's declared ports. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ServiceSpec {

  /** The Service types the operator creates. */
  public enum Type {
    ClusterIP,
    NodePort
  }

  @JsonPropertyDescription("The Service's type: ClusterIP or NodePort. Defaults to ClusterIP.")
  @Default("ClusterIP")
  private Type type = Type.ClusterIP;

  public ServiceSpec() {}

  public ServiceSpec(Type type) {
    this.type = type;
  }

  public Type getType() {
    return type;
  }

  public void setType(Type type) {
    this.type = type;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ServiceSpec s && Objects.equals(type, s.type);
  }

  @Override
  public int hashCode() {
    return Objects.hash(type);
  }

  @Override
  public String toString() {
    return "ServiceSpec{type=%s}".formatted(type);
  }
}
