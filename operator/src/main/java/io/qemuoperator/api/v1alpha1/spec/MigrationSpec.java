package io.qemuoperator.api.v1alpha1.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.Objects;

/**
 * Live-migration tuning: the bandwidth cap and tolerated downtime (QMP migrate_set_speed and
 * migrate_set_downtime, also changed live while a migration runs), how RAM is sent, auto-converge
 * and a deadline. A migration itself is requested with a QemuVMMigration.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"maxBandwidth", "maxDowntime", "policy", "autoConverge", "completionTimeout"})
public class MigrationSpec {

  /** A duration in milliseconds or seconds: {@code 300ms}, {@code 2s}, {@code 0.5s}. */
  public static final String DURATION_PATTERN = "^[0-9]+(\\.[0-9]+)?(ms|s)$";

  @JsonPropertyDescription(
      "Maximum migration bandwidth in bytes per second, a positive quantity (e.g. 32Mi).")
  @ValidationRule(
      value = QemuVMSpec.POSITIVE_QUANTITY_RULE,
      message = "maxBandwidth must be a positive quantity of bytes per second, e.g. 32Mi")
  private Quantity maxBandwidth;

  @JsonPropertyDescription(
      "Maximum tolerated downtime at the end of a migration: a number with the unit ms or s"
          + " (e.g. 300ms, 0.5s).")
  @Pattern(DURATION_PATTERN)
  private String maxDowntime;

  @JsonPropertyDescription(
      "How RAM is sent: Auto (the default: StopAndCopy when the guest runs under TCG, PreCopy under"
          + " KVM), PreCopy (live: the guest runs while RAM is copied, paused only for the last"
          + " pass) or StopAndCopy (the guest paused for the whole transfer, one pass).")
  private MigrationPolicy policy;

  @JsonPropertyDescription(
      "Let QEMU slow the guest's vCPUs when a PreCopy migration does not converge (QEMU's"
          + " auto-converge). Default false.")
  private Boolean autoConverge;

  @JsonPropertyDescription(
      "Cancel a migration that has not completed this long after it began: a number with the unit"
          + " s or m (e.g. 90s, 10m). Default 10m.")
  @Pattern(TIMEOUT_PATTERN)
  private String completionTimeout;

  /** A deadline in seconds or minutes: {@code 90s}, {@code 10m}. */
  public static final String TIMEOUT_PATTERN = "^[0-9]{1,6}(s|m)$";

  /** {@link #completionTimeout} when unset. */
  public static final String DEFAULT_COMPLETION_TIMEOUT = "10m";

  public MigrationSpec() {}

  public MigrationSpec(Quantity maxBandwidth, String maxDowntime) {
    this.maxBandwidth = maxBandwidth;
    this.maxDowntime = maxDowntime;
  }

  public Quantity getMaxBandwidth() {
    return maxBandwidth;
  }

  public void setMaxBandwidth(Quantity maxBandwidth) {
    this.maxBandwidth = maxBandwidth;
  }

  public String getMaxDowntime() {
    return maxDowntime;
  }

  public void setMaxDowntime(String maxDowntime) {
    this.maxDowntime = maxDowntime;
  }

  public MigrationPolicy getPolicy() {
    return policy;
  }

  public void setPolicy(MigrationPolicy policy) {
    this.policy = policy;
  }

  public Boolean getAutoConverge() {
    return autoConverge;
  }

  public void setAutoConverge(Boolean autoConverge) {
    this.autoConverge = autoConverge;
  }

  public String getCompletionTimeout() {
    return completionTimeout;
  }

  public void setCompletionTimeout(String completionTimeout) {
    this.completionTimeout = completionTimeout;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MigrationSpec m
        && Objects.equals(maxBandwidth, m.maxBandwidth)
        && Objects.equals(maxDowntime, m.maxDowntime)
        && policy == m.policy
        && Objects.equals(autoConverge, m.autoConverge)
        && Objects.equals(completionTimeout, m.completionTimeout);
  }

  @Override
  public int hashCode() {
    return Objects.hash(maxBandwidth, maxDowntime, policy, autoConverge, completionTimeout);
  }

  @Override
  public String toString() {
    return "MigrationSpec{maxBandwidth=%s, maxDowntime=%s, policy=%s, autoConverge=%s,"
            .formatted(maxBandwidth, maxDowntime, policy, autoConverge)
        + " completionTimeout="
        + completionTimeout
        + "}";
  }
}
