package io.qemuoperator.api.v1alpha1.spec;

/** Which accelerator QEMU runs the guest with. */
public enum Accelerator {
  /** KVM where the node has a usable one (never a nested kvm_pvm), TCG otherwise. */
  Auto,
  /** KVM, or QEMU does not start: no silent fallback to TCG. */
  KVM,
  /** Software emulation (TCG), whatever the node has; /dev/kvm is not asked for. */
  TCG
}
