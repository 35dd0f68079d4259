package io.qemuoperator.api.v1alpha1.status;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.generator.annotation.Min;
import java.util.Objects;

/** Guest memory as the virtio balloon reports it (QMP query-balloon). */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"actual", "target"})
public class MemoryStatus {

  @JsonPropertyDescription("Memory the guest currently has, in bytes.")
  @Min(0)
  private Long actual;

  @JsonPropertyDescription("The balloon target last requested, in bytes.")
  @Min(0)
  private Long target;

  public MemoryStatus() {}

  public Long getActual() {
    return actual;
  }

  public void setActual(Long actual) {
    this.actual = actual;
  }

  public Long getTarget() {
    return target;
  }

  public void setTarget(Long target) {
    this.target = target;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MemoryStatus other
        && Objects.equals(actual, other.actual)
        && Objects.equals(target, other.target);
  }

  @Override
  public int hashCode() {
    return Objects.hash(actual, target);
  }

  @Override
  public String toString() {
    return "MemoryStatus{actual=%s, target=%s}".formatted(actual, target);
  }
}
