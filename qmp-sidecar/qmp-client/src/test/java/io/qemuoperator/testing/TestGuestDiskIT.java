package io.qemuoperator.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The test guest's bootable disk ({@link TestGuest#diskImage()}) boots by itself: SeaBIOS, the MBR,
 * SYSLINUX, the kernel and initramfs from the FAT partition, with no {@code -kernel}, to {@link
 * TestGuest#READY} on the serial console.
 */
class TestGuestDiskIT {
  private static final Duration BOOT = Duration.ofSeconds(120); // TCG on a loaded machine

  @TempDir Path dir;

  @Test
  void bootsFromTheDiskAloneToReady() throws Exception {
    Path overlay = dir.resolve("root.qcow2"); // the shared image stays untouched
    run(
        "qemu-img",
        "create",
        "-q",
        "-f",
        "qcow2",
        "-F",
        "qcow2",
        "-b",
        TestGuest.find().diskImage().toString(),
        overlay.toString());
    Path serial = dir.resolve("serial.log");
    Process qemu =
        new ProcessBuilder(
                System.getenv().getOrDefault("QEMU_SYSTEM", "qemu-system-x86_64"),
                "-machine",
                "q35,accel=tcg",
                "-m",
                "256",
                "-nodefaults",
                "-display",
                "none",
                "-drive",
                "file=" + overlay + ",if=none,id=root,format=qcow2",
                "-device",
                "virtio-blk-pci,drive=root,bootindex=0",
                "-serial",
                "file:" + serial)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("qemu.log").toFile())
            .start();
    long started = System.nanoTime();
    try {
      await("the guest's ready line on its serial console")
          .atMost(BOOT)
          .pollInterval(Duration.ofMillis(100))
          .until(
              () -> {
                if (!qemu.isAlive()) {
                  throw new IllegalStateException(
                      "QEMU exited: " + Files.readString(dir.resolve("qemu.log")));
                }
                return Files.exists(serial) && Files.readString(serial).contains(TestGuest.READY);
              });
      System.out.printf(
          "test guest booted from its disk to READY in %.1f s%n",
          (System.nanoTime() - started) / 1e9);
      assertThat(Files.readString(serial))
          .as("SYSLINUX (from the disk's MBR and FAT partition) loaded the kernel")
          .contains("SYSLINUX");
    } finally {
      qemu.destroyForcibly();
      qemu.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static void run(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as(String.join(" ", command) + ": " + out).isZero();
  }
}
