package io.qemuoperator.api.v1alpha1.spec;

/**
 * How a spec change that needs a new QEMU process (a boot-time field: cpus, memory, disks added or
 * removed) reaches the VM.
 */
public enum UpdateStrategy {
  /** The VM is restarted gracefully (ACPI power-down, the grace period, then a new QEMU). */
  Automatic,
  /**
   * The VM keeps running as it is; Synced=False RestartRequired names each pending field until the
   * user asks for a restart (annotation {@code qemu-operator.io/restartedAt}).
   */
  Manual
}
