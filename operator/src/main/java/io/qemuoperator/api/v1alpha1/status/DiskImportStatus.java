package io.qemuoperator.api.v1alpha1.status;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import java.util.Objects;

/**
 * How far one disk's import from a URL is, as the VM pod's importer reports it while it runs
 * (rounded: bytesDone in 64 KiB steps, percent whole).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"name", "url", "phase", "bytesDone", "bytesTotal", "percent"})
public class DiskImportStatus {

  @JsonPropertyDescription("The spec disk being imported.")
  private String name;

  @JsonPropertyDescription("Its source URL (without user information).")
  private String url;

  @JsonPropertyDescription(
      "Waiting (an earlier disk is imported first), Fetching, Verifying (checksum, format and"
          + " size), Done or Failed.")
  private String phase;

  @JsonPropertyDescription("Bytes fetched so far, rounded down to 64 KiB (exact once complete).")
  @Min(0)
  private Long bytesDone;

  @JsonPropertyDescription(
      "The image's length in bytes, when its source said it (HTTP Content-Length, a file's size).")
  @Min(0)
  private Long bytesTotal;

  @JsonPropertyDescription("bytesDone as a whole percentage of bytesTotal, when that is known.")
  @Min(0)
  @Max(100)
  private Integer percent;

  public DiskImportStatus() {}

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public String getUrl() {
    return url;
  }

  public void setUrl(String url) {
    this.url = url;
  }

  public String getPhase() {
    return phase;
  }

  public void setPhase(String phase) {
    this.phase = phase;
  }

  public Long getBytesDone() {
    return bytesDone;
  }

  public void setBytesDone(Long bytesDone) {
    this.bytesDone = bytesDone;
  }

  public Long getBytesTotal() {
    return bytesTotal;
  }

  public void setBytesTotal(Long bytesTotal) {
    this.bytesTotal = bytesTotal;
  }

  public Integer getPercent() {
    return percent;
  }

  public void setPercent(Integer percent) {
    this.percent = percent;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DiskImportStatus other
        && Objects.equals(name, other.name)
        && Objects.equals(url, other.url)
        && Objects.equals(phase, other.phase)
        && Objects.equals(bytesDone, other.bytesDone)
        && Objects.equals(bytesTotal, other.bytesTotal)
        && Objects.equals(percent, other.percent);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, url, phase, bytesDone, bytesTotal, percent);
  }

  @Override
  public String toString() {
    return "DiskImportStatus{name=%s, url=%s, phase=%s, bytesDone=%s, bytesTotal=%s, percent=%s}"
        .formatted(name, url, phase, bytesDone, bytesTotal, percent);
  }
}
