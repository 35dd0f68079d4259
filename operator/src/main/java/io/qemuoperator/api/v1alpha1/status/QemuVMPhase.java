package io.qemuoperator.api.v1alpha1.status;

/**
 * The coarse life-cycle phase of a QemuVM, summarising conditions and QEMU's run state. Constants
 * are written as Kubernetes writes phases (like a Pod's {@code Running}).
 */
public enum QemuVMPhase {
  /** Accepted; the VM's pod and disks are being created. */
  Pending,
  /** The pod runs; QEMU and the sidecar are starting, QMP not yet negotiated. */
  Starting,
  /** QEMU runs the guest. */
  Running,
  /** QEMU is up with the vCPUs stopped. */
  Paused,
  /** A QemuVMMigration moves the running guest to a new pod. */
  Migrating,
  /** The guest was asked to power down; QEMU is being stopped. */
  Stopping,
  /** running: false reached; no QEMU process. */
  Stopped,
  /** The VM cannot reach its spec without a change (invalid spec, QEMU crashed, …). */
  Failed
}
