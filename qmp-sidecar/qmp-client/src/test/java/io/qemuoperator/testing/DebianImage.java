package io.qemuoperator.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The real Debian 12 image {@code hack/debian-image.sh} builds from Debian packages (systemd,
 * cloud-init, sshd, qemu-guest-agent; a bootable BIOS qcow2, cached): {@code
 * $QEMU_OPERATOR_DEBIAN_IMAGE} when set, else what the script prints (it builds the image when the
 * cache has none, ~2 min). Never skipped: a test that needs it fails with the reason when it cannot
 * be had. Shared by every test: attach it with {@code snapshot=on} or as an overlay's backing file.
 */
public final class DebianImage {
  private DebianImage() {}

  public static Path find() {
    String configured = System.getenv("QEMU_OPERATOR_DEBIAN_IMAGE");
    if (configured != null && !configured.isBlank()) {
      return existing(Path.of(configured), "$QEMU_OPERATOR_DEBIAN_IMAGE");
    }
    Path script = RepoFiles.file("hack/debian-image.sh");
    try {
      Process build =
          new ProcessBuilder("bash", script.toString())
              .redirectError(ProcessBuilder.Redirect.INHERIT)
              .start();
      String out = new String(build.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (build.waitFor() != 0) {
        throw new IllegalStateException(
            script + " could not build the Debian 12 image (exit " + build.exitValue() + ")");
      }
      return existing(
          Path.of(out.strip().lines().reduce((a, b) -> b).orElseThrow()), script.toString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while building the Debian 12 image", e);
    }
  }

  private static Path existing(Path image, String from) {
    if (!Files.isRegularFile(image)) {
      throw new IllegalStateException(from + " names no Debian 12 image: " + image);
    }
    return image;
  }
}
