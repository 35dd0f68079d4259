package io.qemuoperator.local;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;

/** What {@code qemu-img} says of an image, read without locking it (QEMU may hold it open). */
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
}
