package io.qemuoperator.api.v1alpha1.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.Objects;

/**
 * A disk's I/O limits (QMP {@code block_set_io_throttle}), named as libvirt's {@code <iotune>}
 * names them. An absent limit is no limit. QEMU refuses a total limit together with a read or write
 * limit of the same kind, and any value above 10^15: both are refused here already.
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
@ValidationRule(
    value =
        "!has(self.totalBytesPerSec) || (!has(self.readBytesPerSec) && !has(self.writeBytesPerSec))",
    message =
        "totalBytesPerSec cannot be combined with readBytesPerSec or writeBytesPerSec (QEMU"
            + " refuses it)",
    reason = "FieldValueForbidden")
@ValidationRule(
    value =
        "!has(self.totalIopsPerSec) || (!has(self.readIopsPerSec) && !has(self.writeIopsPerSec))",
    message =
        "totalIopsPerSec cannot be combined with readIopsPerSec or writeIopsPerSec (QEMU refuses"
            + " it)",
    reason = "FieldValueForbidden")
public class IoLimitsSpec {

  /** QEMU's largest throttle value ({@code THROTTLE_VALUE_MAX}). */
  public static final long MAX_VALUE = 1_000_000_000_000_000L;

  /** A positive quantity of at most 10^15 (QEMU's largest throttle value). */
  static final String BYTES_RULE =
      QemuVMSpec.POSITIVE_QUANTITY_RULE
          + " && quantity(string(self)).compareTo(quantity('1P')) <= 0";

  private static final String BYTES_MESSAGE =
      "must be a positive quantity of bytes per second of at most 1P (10^15), e.g. 4Mi";

  @JsonPropertyDescription(
      "Bytes per second, reads and writes together, a positive quantity (e.g. 8Mi). Not with"
          + " readBytesPerSec or writeBytesPerSec.")
  @ValidationRule(value = BYTES_RULE, message = "totalBytesPerSec " + BYTES_MESSAGE)
  private Quantity totalBytesPerSec;

  @JsonPropertyDescription("Bytes per second read, a positive quantity (e.g. 4Mi).")
  @ValidationRule(value = BYTES_RULE, message = "readBytesPerSec " + BYTES_MESSAGE)
  private Quantity readBytesPerSec;

  @JsonPropertyDescription("Bytes per second written, a positive quantity (e.g. 4Mi).")
  @ValidationRule(value = BYTES_RULE, message = "writeBytesPerSec " + BYTES_MESSAGE)
  private Quantity writeBytesPerSec;

  @JsonPropertyDescription(
      "I/O operations per second, reads and writes together. Not with readIopsPerSec or"
          + " writeIopsPerSec.")
  @Min(1)
  @Max(MAX_VALUE)
  private Long totalIopsPerSec;

  @JsonPropertyDescription("Read operations per second.")
  @Min(1)
  @Max(MAX_VALUE)
  private Long readIopsPerSec;

  @JsonPropertyDescription("Write operations per second.")
  @Min(1)
  @Max(MAX_VALUE)
  private Long writeIopsPerSec;

  public IoLimitsSpec() {}

  public Quantity getTotalBytesPerSec() {
    return totalBytesPerSec;
  }

  public void setTotalBytesPerSec(Quantity totalBytesPerSec) {
    this.totalBytesPerSec = totalBytesPerSec;
  }

  public Quantity getReadBytesPerSec() {
    return readBytesPerSec;
  }

  public void setReadBytesPerSec(Quantity readBytesPerSec) {
    this.readBytesPerSec = readBytesPerSec;
  }

  public Quantity getWriteBytesPerSec() {
    return writeBytesPerSec;
  }

  public void setWriteBytesPerSec(Quantity writeBytesPerSec) {
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
    return o instanceof IoLimitsSpec l
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
    return "IoLimitsSpec{totalBytesPerSec=%s, readBytesPerSec=%s, writeBytesPerSec=%s, totalIopsPerSec=%s, readIopsPerSec=%s, writeIopsPerSec=%s}"
        .formatted(
            totalBytesPerSec,
            readBytesPerSec,
            writeBytesPerSec,
            totalIopsPerSec,
            readIopsPerSec,
            writeIopsPerSec);
  }
}
