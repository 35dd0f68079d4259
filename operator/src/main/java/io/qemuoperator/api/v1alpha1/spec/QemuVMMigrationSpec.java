package io.qemuoperator.api.v1alpha1.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.Objects;

/**
 * Which VM to move. The tuning (bandwidth cap, tolerated downtime, policy, deadline) is the VM's
 * own {@code spec.migration}, read when the migration starts and, for the bandwidth and downtime,
 * while it runs.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "self == oldSelf",
    message = "a migration request cannot be changed: delete it and create another",
    reason = "FieldValueForbidden")
public class QemuVMMigrationSpec {

  @JsonPropertyDescription("The QemuVM to migrate, in the request's namespace.")
  @Required
  @Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
  private String vmName;

  public QemuVMMigrationSpec() {}

  public QemuVMMigrationSpec(String vmName) {
    this.vmName = vmName;
  }

  public String getVmName() {
    return vmName;
  }

  public void setVmName(String vmName) {
    this.vmName = vmName;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof QemuVMMigrationSpec other && Objects.equals(vmName, other.vmName);
  }

  @Override
  public int hashCode() {
    return Objects.hashCode(vmName);
  }

  @Override
  public String toString() {
    return "QemuVMMigrationSpec{vmName=" + vmName + "}";
  }
}
