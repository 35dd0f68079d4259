package io.qemuoperator.api.v1alpha1.status;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.generator.annotation.Min;
import java.util.Objects;

/**
 * Migration state and the parameters QEMU applies (QMP query-migrate, query-migrate-parameters).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"status", "maxBandwidth", "maxDowntimeMs"})
public class MigrationStatus {

  @JsonPropertyDescription("QEMU's migration status, e.g. none, active, completed, failed.")
  private String status;

  @JsonPropertyDescription("Maximum migration bandwidth QEMU applies, in bytes per second.")
  @Min(0)
  private Long maxBandwidth;

  @JsonPropertyDescription("Maximum migration downtime QEMU applies, in milliseconds.")
  @Min(0)
  private Long maxDowntimeMs;

  public MigrationStatus() {}

  public String getStatus() {
    return status;
  }

  public void setStatus(String status) {
    this.status = status;
  }

  public Long getMaxBandwidth() {
    return maxBandwidth;
  }

  public void setMaxBandwidth(Long maxBandwidth) {
    this.maxBandwidth = maxBandwidth;
  }

  public Long getMaxDowntimeMs() {
    return maxDowntimeMs;
  }

  public void setMaxDowntimeMs(Long maxDowntimeMs) {
    this.maxDowntimeMs = maxDowntimeMs;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MigrationStatus other
        && Objects.equals(status, other.status)
        && Objects.equals(maxBandwidth, other.maxBandwidth)
        && Objects.equals(maxDowntimeMs, other.maxDowntimeMs);
  }

  @Override
  public int hashCode() {
    return Objects.hash(status, maxBandwidth, maxDowntimeMs);
  }

  @Override
  public String toString() {
    return "MigrationStatus{status=%s, maxBandwidth=%s, maxDowntimeMs=%s}"
        .formatted(status, maxBandwidth, maxDowntimeMs);
  }
}
