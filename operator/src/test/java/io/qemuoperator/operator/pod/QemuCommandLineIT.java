package io.qemuoperator.operator.pod;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.qemuoperator.testing.HostKvm;
import io.qemuoperator.testing.RawQmp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The container script, run as the pod's qemu container runs it, starts the VM the spec describes.
 */
class QemuCommandLineIT {
  @TempDir Path dir;

  @Test
  void theScriptCreatesTheImagesAndQemuRunsTheSpec() throws Exception {
    var vm =
        new VmLaunch(
            "it-vm",
            "6f1c2a52-9a0b-4a43-8f3e-0d3e1b6f7a10",
            2,
            128L << 20,
            List.of(new VmLaunch.Disk("root", dir.resolve("root.qcow2"), 64L << 20)),
            dir.resolve("qmp.sock"));
    String script =
        QemuCommandLine.containerScript(vm)
            .replace(
                "exec " + QemuCommandLine.BINARY,
                "exec " + System.getenv().getOrDefault("QEMU_SYSTEM", QemuCommandLine.BINARY));
    Process qemu =
        new ProcessBuilder("sh", "-c", script)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("qemu.log").toFile())
            .start();
    try {
      Awaitility.await("QMP socket")
          .atMost(Duration.ofSeconds(20))
          .until(() -> Files.exists(vm.qmpSocket()) || !qemu.isAlive());
      assertThat(qemu.isAlive()).as(Files.readString(dir.resolve("qemu.log"))).isTrue();
      try (var qmp = RawQmp.connect(vm.qmpSocket())) {
        assertThat(qmp.runState()).isEqualTo("prelaunch");
        assertThat(qmp.execute("query-name", null).at("/return/name").asText()).isEqualTo("it-vm");
        assertThat(qmp.execute("query-uuid", null).at("/return/UUID").asText())
            .isEqualTo("6f1c2a52-9a0b-4a43-8f3e-0d3e1b6f7a10");
        assertThat(qmp.execute("query-cpus-fast", null).path("return")).hasSize(2);
        assertThat(qmp.execute("query-balloon", null).at("/return/actual").asLong())
            .isEqualTo(128L << 20);
        JsonNode root = qmp.execute("query-block", null).path("return").get(0);
        assertThat(root.path("device").asText()).isEqualTo("root");
        assertThat(root.at("/inserted/image/virtual-size").asLong()).isEqualTo(64L << 20);
        assertThat(Files.exists(vm.consoleSocket())).as("the serial console's socket").isTrue();
        assertThat(Files.exists(vm.consoleLog())).as("the serial console's log").isTrue();
        assertThat(qmp.execute("query-chardev", null).path("return").findValuesAsText("label"))
            .contains(QemuCommandLine.CONSOLE_ID);
        assertThat(qmp.execute("query-kvm", null).at("/return/enabled").asBoolean())
            .as("KVM exactly where /dev/kvm is usable and not kvm_pvm (which cannot run Linux)")
            .isEqualTo(HostKvm.usable());
      }
    } finally {
      qemu.destroyForcibly();
      qemu.waitFor(10, TimeUnit.SECONDS);
    }
  }

  /**
   * UEFI: OVMF starts (its boot manager tries the disk first, then falls back to its shell, on the
   * serial console), the VM's own variable store is made from OVMF's empty one and written by the
   * firmware, and a second launch keeps it. The test guest's disk is BIOS-only, so the boot stops
   * at OVMF's shell.
   */
  @Test
  void uefiBootsOvmfWithTheVmsOwnVariableStoreKeptAcrossLaunches() throws Exception {
    Files.createDirectories(dir.resolve("root"));
    Path vars = dir.resolve("root").resolve(VmResources.UEFI_VARS);
    var vm =
        new VmLaunch(
            "uefi-vm",
            "6f1c2a52-9a0b-4a43-8f3e-0d3e1b6f7a11",
            1,
            128L << 20,
            List.of(
                new VmLaunch.Disk(
                    "root",
                    dir.resolve("root/disk.qcow2"),
                    64L << 20,
                    new VmLaunch.Source.Blank(),
                    java.util.Optional.of(1))),
            dir.resolve("qmp.sock"),
            new VmLaunch.Boot("q35", java.util.Optional.of(vars)));
    byte[] empty = Files.readAllBytes(Path.of(QemuCommandLine.OVMF_VARS));

    String firstBoot = bootToOvmfShell(vm);
    assertThat(firstBoot)
        .as("the disk (bootindex 1) was tried first, then OVMF's shell")
        .containsSubsequence("BdsDxe: failed to load Boot0001", "UEFI Interactive Shell");
    byte[] written = Files.readAllBytes(vars);
    assertThat(written).as("OVMF wrote its boot entries into the VM's store").isNotEqualTo(empty);

    Files.delete(vm.consoleLog());
    bootToOvmfShell(vm);
    assertThat(Files.readAllBytes(vars))
        .as("the second launch used the same store, not a fresh copy")
        .isNotEqualTo(empty);
  }

  /** Runs the container script, starts the vCPUs and waits for OVMF's shell; returns the log. */
  private String bootToOvmfShell(VmLaunch vm) throws Exception {
    String script =
        QemuCommandLine.containerScript(vm)
            .replace(
                "exec " + QemuCommandLine.BINARY,
                "exec " + System.getenv().getOrDefault("QEMU_SYSTEM", QemuCommandLine.BINARY));
    Files.deleteIfExists(vm.qmpSocket());
    Process qemu =
        new ProcessBuilder("sh", "-c", script)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("qemu.log").toFile())
            .start();
    try {
      Awaitility.await("QMP socket")
          .atMost(Duration.ofSeconds(20))
          .until(() -> Files.exists(vm.qmpSocket()) || !qemu.isAlive());
      assertThat(qemu.isAlive()).as(Files.readString(dir.resolve("qemu.log"))).isTrue();
      try (var qmp = RawQmp.connect(vm.qmpSocket())) {
        qmp.execute("cont", null);
        Awaitility.await("OVMF's shell on the serial console")
            .atMost(Duration.ofSeconds(120))
            .pollInterval(Duration.ofMillis(200))
            .until(
                () ->
                    Files.exists(vm.consoleLog())
                        && Files.readString(vm.consoleLog()).contains("UEFI Interactive Shell"));
      }
      return Files.readString(vm.consoleLog());
    } finally {
      qemu.destroyForcibly();
      qemu.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
