package io.qemuoperator.operator.migration;

import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.api.v1alpha1.spec.MigrationPolicy;
import io.qemuoperator.api.v1alpha1.spec.MigrationSpec;
import io.qemuoperator.api.v1alpha1.status.QemuVMStatus;
import io.qemuoperator.operator.plan.SpecReader;
import java.time.Duration;

/**
 * What a migration of a VM is told, from its {@code spec.migration}: the policy (resolved from
 * {@code Auto} by the accelerator QEMU reports), auto-converge, the bandwidth cap and tolerated
 * downtime (QEMU's defaults when unset), and the deadline.
 *
 * @param policy how RAM is sent
 * @param autoConverge QEMU's auto-converge capability
 * @param maxBandwidth bytes per second
 * @param maxDowntimeMs milliseconds
 * @param completionTimeout how long after it began a migration is cancelled unless completed
 */
public record MigrationTuning(
    MigrationPolicy policy,
    boolean autoConverge,
    long maxBandwidth,
    long maxDowntimeMs,
    Duration completionTimeout) {

  /** QEMU's own default bandwidth cap (128 MiB/s). */
  public static final long DEFAULT_MAX_BANDWIDTH = 128L << 20;

  /** QEMU's own default tolerated downtime. */
  public static final long DEFAULT_MAX_DOWNTIME_MS = 300;

  public static MigrationTuning of(QemuVM vm) {
    MigrationSpec spec = SpecReader.spec(vm).getMigration();
    if (spec == null) {
      spec = new MigrationSpec();
    }
    MigrationPolicy policy = spec.getPolicy() == null ? MigrationPolicy.Auto : spec.getPolicy();
    if (policy == MigrationPolicy.Auto) {
      policy = underKvm(vm) ? MigrationPolicy.PreCopy : MigrationPolicy.StopAndCopy;
    }
    return new MigrationTuning(
        policy,
        Boolean.TRUE.equals(spec.getAutoConverge()),
        spec.getMaxBandwidth() == null
            ? DEFAULT_MAX_BANDWIDTH
            : SpecReader.bytes(spec.getMaxBandwidth()),
        spec.getMaxDowntime() == null
            ? DEFAULT_MAX_DOWNTIME_MS
            : SpecReader.downtimeMillis(spec.getMaxDowntime()),
        timeout(
            spec.getCompletionTimeout() == null
                ? MigrationSpec.DEFAULT_COMPLETION_TIMEOUT
                : spec.getCompletionTimeout()));
  }

  /** {@code 90s}, {@code 10m} (the CRD's pattern). */
  static Duration timeout(String text) {
    long number = Long.parseLong(text.substring(0, text.length() - 1));
    return text.endsWith("m") ? Duration.ofMinutes(number) : Duration.ofSeconds(number);
  }

  /** Whether QEMU reported running the guest with KVM (status.qemu.kvm.enabled). */
  static boolean underKvm(QemuVM vm) {
    QemuVMStatus status = vm.getStatus();
    return status != null
        && status.getQemu() != null
        && status.getQemu().getKvm() != null
        && Boolean.TRUE.equals(status.getQemu().getKvm().getEnabled());
  }
}
