package io.qemuoperator.api.v1alpha1.status;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.generator.annotation.Min;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.Objects;

/** Guest memory: what QEMU was started with, and what the virtio balloon reports. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"boot", "actual", "target"})
public class MemoryStatus {

  @JsonPropertyDescription(
      "Guest RAM QEMU was started with (query-memory-size-summary's base memory), e.g. 256Mi; the"
          + " Memory column shows it.")
  private Quantity boot;

  @JsonPropertyDescription("Memory the guest currently has, in bytes.")
  @Min(0)
  private Long actual;

  @JsonPropertyDescription("The balloon target last requested, in bytes.")
  @Min(0)
  private Long target;

  public MemoryStatus() {}

  public Quantity getBoot() {
    return boot;
  }

  public void setBoot(Quantity boot) {
    this.boot = boot;
  }

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
        && Objects.equals(boot, other.boot)
        && Objects.equals(actual, other.actual)
        && Objects.equals(target, other.target);
  }

  @Override
  public int hashCode() {
    return Objects.hash(boot, actual, target);
  }

  @Override
  public String toString() {
    return "MemoryStatus{boot=%s, actual=%s, target=%s}".formatted(boot, actual, target);
  }
}
