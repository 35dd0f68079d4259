package io.qemuoperator.operator.plan;

/**
 * How much storage a disk's claim needs: the disk's virtual size plus room for qcow2 metadata
 * (L1/L2 tables, refcounts: well under 1% of the virtual size, at least 16 MiB). A qcow2 image is
 * sparse, so a disk fits its claim until the guest has written it full; a disk is grown in QEMU
 * only once its claim holds this much.
 */
public final class DiskSizing {
  static final long METADATA_PERCENT = 1;
  static final long MIN_METADATA_BYTES = 16L << 20;

  private DiskSizing() {}

  public static long claimBytes(long diskBytes) {
    return diskBytes + Math.max(MIN_METADATA_BYTES, diskBytes / 100 * METADATA_PERCENT);
  }
}
