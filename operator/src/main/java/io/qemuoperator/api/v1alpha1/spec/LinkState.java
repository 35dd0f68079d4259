package io.qemuoperator.api.v1alpha1.spec;

/** The state of the VM's NIC link as the guest sees it (QMP {@code set_link}). */
public enum LinkState {
  /** The cable is plugged in: the guest sees carrier. */
  Up,
  /** The cable is pulled: the guest sees no carrier; the NIC stays attached. */
  Down
}
