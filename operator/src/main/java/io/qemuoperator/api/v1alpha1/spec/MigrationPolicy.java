package io.qemuoperator.api.v1alpha1.spec;

/** How a migration sends the guest's RAM. */
public enum MigrationPolicy {
  /**
   * {@code StopAndCopy} for a guest running under TCG (pre-copy corrupted TCG guests on QEMU 7.2
   * here), {@code PreCopy} under KVM.
   */
  Auto,
  /**
   * QEMU's live migration: RAM is sent while the guest runs, then what it dirtied, pass by pass;
   * the guest pauses only for the last pass ({@code maxDowntime}).
   */
  PreCopy,
  /** The guest is paused for the whole transfer: one pass, no dirtying; the target resumes it. */
  StopAndCopy
}
