package io.qemuoperator.operator.migration;

import io.qemuoperator.api.v1alpha1.status.MigrationProgress;
import io.qemuoperator.operator.plan.Quantities;
import io.qemuoperator.sidecar.api.MigrationInfo;

/**
 * QEMU's migration figures ({@code query-migrate}) as the request's status and messages show them.
 */
final class MigrationFigures {
  private MigrationFigures() {}

  /** QEMU's figures, the byte counts rounded to MiB (a status write at most per MiB moved). */
  static MigrationProgress progress(MigrationInfo info) {
    Long transferred = mib(info.transferredBytes());
    return new MigrationProgress(
        info.status(),
        transferred == null ? null : Quantities.format(transferred),
        transferred,
        mib(info.remainingBytes()),
        info.totalBytes(),
        info.passes(),
        info.expectedDowntimeMs(),
        info.throttlePercent(),
        info.mbps() == null ? null : Math.round(info.mbps() * 10) / 10.0);
  }

  private static Long mib(Long bytes) {
    return bytes == null ? null : (bytes >> 20) << 20;
  }

  static String describe(MigrationInfo info) {
    return "QEMU status "
        + info.status()
        + ", "
        + (info.transferredBytes() == null ? "?" : Quantities.format(mib(info.transferredBytes())))
        + " sent, "
        + (info.remainingBytes() == null ? "?" : Quantities.format(mib(info.remainingBytes())))
        + " remaining after "
        + info.passes()
        + " passes, expected downtime "
        + info.expectedDowntimeMs()
        + " ms";
  }
}
