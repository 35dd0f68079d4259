package io.qemuoperator.api.v1alpha1.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.Objects;

/** A port of the guest, forwarded from the same port of the VM pod's IP. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"name", "port", "protocol"})
public class PortSpec {

  /** Kubernetes' IANA_SVC_NAME: what a container port's name must be. */
  public static final String NAME_PATTERN = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";

  public static final int NAME_MAX_LENGTH = 15;

  @JsonPropertyDescription(
      "The port's name, unique in the VM: lower-case letters, digits and '-', at most 15"
          + " characters, with at least one letter (a container port's name).")
  @Required
  @Pattern(NAME_PATTERN)
  @Size(min = 1, max = NAME_MAX_LENGTH)
  private String name;

  @JsonPropertyDescription(
      "The guest's port, 1 to 65535; the VM pod forwards the same port of its IP to it.")
  @Required
  @Min(1)
  @Max(65535)
  private Integer port;

  @JsonPropertyDescription("TCP or UDP. Defaults to TCP.")
  @Default("TCP")
  private PortProtocol protocol = PortProtocol.TCP;

  public PortSpec() {}

  public PortSpec(String name, int port, PortProtocol protocol) {
    this.name = name;
    this.port = port;
    this.protocol = protocol;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public Integer getPort() {
    return port;
  }

  public void setPort(Integer port) {
    this.port = port;
  }

  public PortProtocol getProtocol() {
    return protocol;
  }

  public void setProtocol(PortProtocol protocol) {
    this.protocol = protocol;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PortSpec p
        && Objects.equals(name, p.name)
        && Objects.equals(port, p.port)
        && Objects.equals(protocol, p.protocol);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, port, protocol);
  }

  @Override
  public String toString() {
    return "PortSpec{name=%s, port=%s, protocol=%s}".formatted(name, port, protocol);
  }
}
