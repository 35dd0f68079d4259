package io.qemuoperator.local;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Whether this machine can run VMs: {@code qemu-system-x86_64} (or {@code $QEMU_SYSTEM}) and {@code
 * qemu-img} on the {@code PATH} of {@code env}.
 */
record QemuBinaries(Map<String, String> env) {

  QemuBinaries {
    env = Map.copyOf(env);
  }

  /** Why this machine cannot run VMs, and how to get QEMU, if it cannot. */
  Optional<String> missing() {
    String qemu = env.getOrDefault("QEMU_SYSTEM", "qemu-system-x86_64");
    List<String> missing = new ArrayList<>();
    if (!onPath(qemu)) {
      missing.add(qemu + " (Debian package qemu-system-x86)");
    }
    if (!onPath("qemu-img")) {
      missing.add("qemu-img (Debian package qemu-utils)");
    }
    if (missing.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        "QEMU is missing: "
            + String.join(", ", missing)
            + ". Install it with 'apt-get install qemu-system-x86 qemu-utils', or run"
            + " 'source hack/tools.sh && qo_ensure_qemu' (the local-cluster/qemu-operator-local wrapper does"
            + " this unless QEMU_OPERATOR_NO_INSTALL=1).");
  }

  private boolean onPath(String binary) {
    if (binary.contains("/")) {
      return Files.isExecutable(Path.of(binary));
    }
    for (String dir : env.getOrDefault("PATH", "").split(":")) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, binary))) {
        return true;
      }
    }
    return false;
  }
}
