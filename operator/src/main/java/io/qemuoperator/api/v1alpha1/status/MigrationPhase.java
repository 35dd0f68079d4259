package io.qemuoperator.api.v1alpha1.status;

/** Where a migration request is; the last four are final. */
public enum MigrationPhase {
  /** Accepted, not started yet. */
  Pending,
  /** The target pod is being created and its QEMU started, waiting for the incoming stream. */
  TargetStarting,
  /** QEMU sends the guest's RAM and device state to the target. */
  Transferring,
  /** QEMU completed: the target takes over and the source is stopped and removed. */
  HandingOver,
  /** The guest runs in the target pod, which is now the VM's pod. */
  Completed,
  /** The migration failed; the guest runs on in its source pod. */
  Failed,
  /** Cancelled (the request deleted, or its deadline passed); the guest runs on in its source. */
  Cancelled,
  /** The VM could not be migrated (see the reason); nothing was started. */
  Refused;

  /** A phase the request never leaves. */
  public boolean isFinal() {
    return this == Completed || this == Failed || this == Cancelled || this == Refused;
  }
}
