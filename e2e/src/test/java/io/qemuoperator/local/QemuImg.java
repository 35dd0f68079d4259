package io.qemuoperator.local;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;

/**
 * What {@code qemu-img} says of an image, read without locking it (QEMU may hold it open); and
 * {@code qemu-img} runs that make images.
 */
final class QemuImg {
  private QemuImg() {}

  static long virtualSize(Path image) throws Exception {
    Process p =
        new ProcessBuilder("qemu-img", "info", "-U", "--output=json", image.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes());
    p.waitFor();
    return new ObjectMapper().readTree(out).path("virtual-size").asLong();
  }

  /** Runs {@code command} ({@code qemu-img …}); fails with its output unless it exits 0. */
  static void run(java.util.List<String> command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) {
      throw new IllegalStateException(command + " failed: " + out);
    }
  }
}
