package io.qemuoperator.operator.plan;

import io.qemuoperator.api.v1alpha1.spec.IoLimitsSpec;
import io.qemuoperator.qmp.types.BlockDeviceInfo;
import io.qemuoperator.qmp.types.BlockSetIoThrottleArguments;
import java.util.ArrayList;

/**
 * A disk's I/O limits in QEMU's terms ({@code block_set_io_throttle}, {@code query-block}'s {@code
 * inserted.bps…}): bytes and operations per second, 0 for no limit.
 */
public record IoLimits(long bps, long bpsRd, long bpsWr, long iops, long iopsRd, long iopsWr) {

  public static final IoLimits NONE = new IoLimits(0, 0, 0, 0, 0, 0);

  /** The spec's limits (a valid spec: quantities rounded up to whole bytes). */
  public static IoLimits of(IoLimitsSpec spec) {
    if (spec == null) {
      return NONE;
    }
    return new IoLimits(
        spec.getTotalBytesPerSec() == null ? 0 : SpecReader.bytes(spec.getTotalBytesPerSec()),
        spec.getReadBytesPerSec() == null ? 0 : SpecReader.bytes(spec.getReadBytesPerSec()),
        spec.getWriteBytesPerSec() == null ? 0 : SpecReader.bytes(spec.getWriteBytesPerSec()),
        spec.getTotalIopsPerSec() == null ? 0 : spec.getTotalIopsPerSec(),
        spec.getReadIopsPerSec() == null ? 0 : spec.getReadIopsPerSec(),
        spec.getWriteIopsPerSec() == null ? 0 : spec.getWriteIopsPerSec());
  }

  /** What QEMU reports for a medium. */
  public static IoLimits of(BlockDeviceInfo info) {
    return new IoLimits(
        info.bps(), info.bpsRd(), info.bpsWr(), info.iops(), info.iopsRd(), info.iopsWr());
  }

  /**
   * The arguments that set these limits on drive {@code device}. The drive id goes in {@code
   * device}: modern QEMU's {@code id} wants the guest device's QOM path instead.
   */
  public BlockSetIoThrottleArguments arguments(String device) {
    return new BlockSetIoThrottleArguments(device, bps, bpsRd, bpsWr, iops, iopsRd, iopsWr);
  }

  public boolean none() {
    return equals(NONE);
  }

  /** For people: {@code read 4194304 B/s, total 100 IOPS}, or {@code none}. */
  @Override
  public String toString() {
    var parts = new ArrayList<String>();
    add(parts, "total", bps, "B/s");
    add(parts, "read", bpsRd, "B/s");
    add(parts, "write", bpsWr, "B/s");
    add(parts, "total", iops, "IOPS");
    add(parts, "read", iopsRd, "IOPS");
    add(parts, "write", iopsWr, "IOPS");
    return parts.isEmpty() ? "none" : String.join(", ", parts);
  }

  private static void add(ArrayList<String> parts, String what, long value, String unit) {
    if (value > 0) {
      parts.add(what + " " + value + " " + unit);
    }
  }
}
