package io.qemuoperator.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The tiny test guest that {@code hack/test-guest.sh} builds from Debian packages (cloud kernel,
 * busybox initramfs; cached): boots in seconds under TCG, powers off on the ACPI power button,
 * serves {@code /cgi-bin/cat?PATH} (files under /proc, /sys, /run) on port 80, and prints {@link
 * #READY} on its serial console. It boots either from its kernel and initramfs ({@link
 * #bootArgs()}) or, by BIOS, from its bootable disk ({@link #diskImage()}). Its folder is {@code
 * $QEMU_OPERATOR_TEST_GUEST} when set ({@code .ci/run} sets it), else the script is run (it prints
 * the cached folder at once).
 */
public record TestGuest(Path dir, List<String> extraKernelArgs) {
  /** What the guest prints on ttyS0 once it serves HTTP. */
  public static final String READY = "qemu-operator test guest ready";

  public TestGuest {
    extraKernelArgs = List.copyOf(extraKernelArgs);
  }

  public TestGuest(Path dir) {
    this(dir, List.of());
  }

  /**
   * The same guest with its memory-integrity checker on over {@code mib} MiB ({@code
   * qo.memcheck=MIB}): it ticks {@code memcheck round=R blocks=B errors=E} on ttyS0, read by {@link
   * MemoryCheck}.
   */
  public TestGuest withMemoryCheck(int mib) {
    var args = new java.util.ArrayList<>(extraKernelArgs);
    args.add("qo.memcheck=" + mib);
    return new TestGuest(dir, args);
  }

  public static TestGuest find() {
    String configured = System.getenv("QEMU_OPERATOR_TEST_GUEST");
    if (configured != null && !configured.isBlank()) {
      return new TestGuest(Path.of(configured));
    }
    Path script = RepoFiles.file("hack/test-guest.sh");
    try {
      Process build =
          new ProcessBuilder("bash", script.toString())
              .redirectError(ProcessBuilder.Redirect.INHERIT)
              .start();
      String out = new String(build.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (build.waitFor() != 0) {
        throw new IllegalStateException(script + " failed (exit " + build.exitValue() + ")");
      }
      return new TestGuest(Path.of(out.strip().lines().reduce((a, b) -> b).orElseThrow()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while building the test guest", e);
    }
  }

  /**
   * The same guest as a bootable qcow2 disk (MBR, a FAT partition with the kernel and initramfs,
   * SYSLINUX with {@code cmdline}): boots by BIOS with no {@code -kernel}. Shared by every test:
   * attach it read-only, with {@code snapshot=on}, or as the backing file of an overlay.
   */
  public Path diskImage() {
    Path disk = dir.resolve("disk.qcow2");
    if (!Files.isRegularFile(disk)) {
      throw new IllegalStateException(
          "no disk.qcow2 in " + dir + ": run hack/test-guest.sh (it adds it to the cached folder)");
    }
    return disk;
  }

  /** QEMU's arguments that boot it (kernel, initramfs, kernel command line). */
  public List<String> bootArgs() {
    try {
      return List.of(
          "-kernel",
          dir.resolve("vmlinuz").toString(),
          "-initrd",
          dir.resolve("initrd.img").toString(),
          "-append",
          String.join(
              " ",
              Stream.concat(
                      Stream.of(Files.readString(dir.resolve("cmdline")).strip()),
                      extraKernelArgs.stream())
                  .toList()));
    } catch (IOException e) {
      throw new UncheckedIOException("no test guest in " + dir, e);
    }
  }
}
