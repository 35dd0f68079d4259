package io.qemuoperator.api.v1alpha1.status;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Objects;

/** Whether KVM acceleration is available and used (QMP query-kvm). */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"enabled", "present"})
public class KvmStatus {

  @JsonPropertyDescription("true when QEMU runs the guest with KVM acceleration; false under TCG.")
  private Boolean enabled;

  @JsonPropertyDescription("true when KVM is available to QEMU on this node.")
  private Boolean present;

  public KvmStatus() {}

  public Boolean getEnabled() {
    return enabled;
  }

  public void setEnabled(Boolean enabled) {
    this.enabled = enabled;
  }

  public Boolean getPresent() {
    return present;
  }

  public void setPresent(Boolean present) {
    this.present = present;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof KvmStatus other
        && Objects.equals(enabled, other.enabled)
        && Objects.equals(present, other.present);
  }

  @Override
  public int hashCode() {
    return Objects.hash(enabled, present);
  }

  @Override
  public String toString() {
    return "KvmStatus{enabled=%s, present=%s}".formatted(enabled, present);
  }
}
