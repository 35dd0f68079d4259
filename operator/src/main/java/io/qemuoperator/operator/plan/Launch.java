package io.qemuoperator.operator.plan;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * What a VM pod is launched for: the boot-time fields and the restart request it honours (the value
 * of the QemuVM's {@code qemu-operator.io/restartedAt} annotation, empty when none). Its {@link
 * #revision()} labels the pod; a pod of another revision is replaced by a graceful restart.
 */
public record Launch(BootConfig boot, String restartedAt) {

  public Launch {
    restartedAt = restartedAt == null ? "" : restartedAt;
  }

  /** A short hash of the boot-time fields and the restart request. */
  public String revision() {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256")
              .digest((boot.canonical() + "\n" + restartedAt).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
