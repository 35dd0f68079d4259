package io.qemuoperator.api.v1alpha1.spec;

/** What the VM boots with. */
public enum Firmware {
  /** SeaBIOS, QEMU's own: boots a disk's MBR. */
  BIOS,
  /**
   * OVMF (EDK II, Debian's {@code ovmf}): boots an EFI system partition; its variables (boot
   * entries) live in a per-VM copy kept with the VM's first disk, so they survive restarts.
   */
  UEFI
}
