package io.qemuoperator.api.v1alpha1.status;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.generator.annotation.Min;
import java.util.Objects;

/** One block device as QEMU reports it (QMP query-block). */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"name", "device", "sizeBytes", "format", "readOnly", "ioStatus", "ioLimits"})
public class DiskStatus {

  @JsonPropertyDescription("The spec disk this device backs.")
  private String name;

  @JsonPropertyDescription("QEMU's device (drive id).")
  private String device;

  @JsonPropertyDescription("The image's virtual size in bytes.")
  @Min(0)
  private Long sizeBytes;

  @JsonPropertyDescription("The image format, e.g. qcow2 or raw.")
  private String format;

  @JsonPropertyDescription("Whether the device is read-only.")
  private Boolean readOnly;

  @JsonPropertyDescription("QEMU's I/O status: ok, failed or nospace.")
  private String ioStatus;

  @JsonPropertyDescription(
      "The I/O limits QEMU applies (query-block); absent when it applies none.")
  private IoLimitsStatus ioLimits;

  public DiskStatus() {}

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public String getDevice() {
    return device;
  }

  public void setDevice(String device) {
    this.device = device;
  }

  public Long getSizeBytes() {
    return sizeBytes;
  }

  public void setSizeBytes(Long sizeBytes) {
    this.sizeBytes = sizeBytes;
  }

  public String getFormat() {
    return format;
  }

  public void setFormat(String format) {
    this.format = format;
  }

  public Boolean getReadOnly() {
    return readOnly;
  }

  public void setReadOnly(Boolean readOnly) {
    this.readOnly = readOnly;
  }

  public String getIoStatus() {
    return ioStatus;
  }

  public void setIoStatus(String ioStatus) {
    this.ioStatus = ioStatus;
  }

  public IoLimitsStatus getIoLimits() {
    return ioLimits;
  }

  public void setIoLimits(IoLimitsStatus ioLimits) {
    this.ioLimits = ioLimits;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DiskStatus other
        && Objects.equals(name, other.name)
        && Objects.equals(device, other.device)
        && Objects.equals(sizeBytes, other.sizeBytes)
        && Objects.equals(format, other.format)
        && Objects.equals(readOnly, other.readOnly)
        && Objects.equals(ioStatus, other.ioStatus)
        && Objects.equals(ioLimits, other.ioLimits);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, device, sizeBytes, format, readOnly, ioStatus, ioLimits);
  }

  @Override
  public String toString() {
    return "DiskStatus{name=%s, device=%s, sizeBytes=%s, format=%s, readOnly=%s, ioStatus=%s, ioLimits=%s}"
        .formatted(name, device, sizeBytes, format, readOnly, ioStatus, ioLimits);
  }
}
