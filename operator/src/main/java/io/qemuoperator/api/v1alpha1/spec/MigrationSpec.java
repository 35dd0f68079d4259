package io.qemuoperator.api.v1alpha1.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.Objects;

/** Live-migration parameters (QMP migrate_set_speed and migrate_set_downtime). */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"maxBandwidth", "maxDowntime"})
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

  @Override
  public boolean equals(Object o) {
    return o instanceof MigrationSpec m
        && Objects.equals(maxBandwidth, m.maxBandwidth)
        && Objects.equals(maxDowntime, m.maxDowntime);
  }

  @Override
  public int hashCode() {
    return Objects.hash(maxBandwidth, maxDowntime);
  }

  @Override
  public String toString() {
    return "MigrationSpec{maxBandwidth=%s, maxDowntime=%s}".formatted(maxBandwidth, maxDowntime);
  }
}
