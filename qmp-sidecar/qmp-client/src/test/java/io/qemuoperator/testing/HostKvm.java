package io.qemuoperator.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether this machine has a KVM that runs Linux guests, by the VM pod's own rule
 * (QemuCommandLine.ACCELERATOR_CHOICE): {@code /dev/kvm} readable and writable, and no nested
 * kvm_pvm ({@code /sys/module/kvm_pvm}, as on our build machines).
 */
public final class HostKvm {
  private HostKvm() {}

  public static boolean usable() {
    Path kvm = Path.of("/dev/kvm");
    return Files.isReadable(kvm)
        && Files.isWritable(kvm)
        && !Files.exists(Path.of("/sys/module/kvm_pvm"));
  }
}
