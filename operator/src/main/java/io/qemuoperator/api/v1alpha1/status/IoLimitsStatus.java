package io.qemuoperator.api.v1alpha1.status;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Objects;

/**
 * The I/O limits QEMU applies to a disk (QMP query-block's inserted.bps, bps_rd, …); a limit QEMU
 * does not apply is absent.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({
  "totalBytesPerSec",
  "readBytesPerSec",
  "writeBytesPerSec",
  "totalIopsPerSec",
  "readIopsPerSec",
  "writeIopsPerSec"
})
public class IoLimitsStatus {

  @JsonPropertyDescription("Bytes per second, reads and writes together (QEMU's bps).")
  private Long totalBytesPerSec;

  @JsonPropertyDescription("Bytes per second read (QEMU's bps_rd).")
  private Long readBytesPerSec;

  @JsonPropertyDescription("Bytes per second written (QEMU's bps_wr).")
  private Long writeBytesPerSec;

  @JsonPropertyDescription("Operations per second, reads and writes together (QEMU's iops).")
  private Long totalIopsPerSec;

  @JsonPropertyDescription("Read operations per second (QEMU's iops_rd).")
  private Long readIopsPerSec;

  @JsonPropertyDescription("Write operations per second (QEMU's iops_wr).")
  private Long writeIopsPerSec;

  public IoLimitsStatus() {}

  public Long getTotalBytesPerSec() {
    return totalBytesPerSec;
  }

  public void setTotalBytesPerSec(Long totalBytesPerSec) {
    this.totalBytesPerSec = totalBytesPerSec;
  }

  public Long getReadBytesPerSec() {
    return readBytesPerSec;
  }

  public void setReadBytesPerSec(Long readBytesPerSec) {
    this.readBytesPerSec = readBytesPerSec;
  }

  public Long getWriteBytesPerSec() {
    return writeBytesPerSec;
  }

  public void setWriteBytesPerSec(Long writeBytesPerSec) {
    this.writeBytesPerSec = writeBytesPerSec;
  }

  public Long getTotalIopsPerSec() {
    return totalIopsPerSec;
  }

  public void setTotalIopsPerSec(Long totalIopsPerSec) {
    this.totalIopsPerSec = totalIopsPerSec;
  }

  public Long getReadIopsPerSec() {
    return readIopsPerSec;
  }

  public void setReadIopsPerSec(Long readIopsPerSec) {
    this.readIopsPerSec = readIopsPerSec;
  }

  public Long getWriteIopsPerSec() {
    return writeIopsPerSec;
  }

  public void setWriteIopsPerSec(Long writeIopsPerSec) {
    this.writeIopsPerSec = writeIopsPerSec;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof IoLimitsStatus l
        && Objects.equals(totalBytesPerSec, l.totalBytesPerSec)
        && Objects.equals(readBytesPerSec, l.readBytesPerSec)
        && Objects.equals(writeBytesPerSec, l.writeBytesPerSec)
        && Objects.equals(totalIopsPerSec, l.totalIopsPerSec)
        && Objects.equals(readIopsPerSec, l.readIopsPerSec)
        && Objects.equals(writeIopsPerSec, l.writeIopsPerSec);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        totalBytesPerSec,
        readBytesPerSec,
        writeBytesPerSec,
        totalIopsPerSec,
        readIopsPerSec,
        writeIopsPerSec);
  }

  @Override
  public String toString() {
    return "IoLimitsStatus{totalBytesPerSec=%s, readBytesPerSec=%s, writeBytesPerSec=%s, totalIopsPerSec=%s, readIopsPerSec=%s, writeIopsPerSec=%s}"
        .formatted(
            totalBytesPerSec,
            readBytesPerSec,
            writeBytesPerSec,
            totalIopsPerSec,
            readIopsPerSec,
            writeIopsPerSec);
  }
}
