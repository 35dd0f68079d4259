package io.qemuoperator.local;

import io.fabric8.kubernetes.client.Config;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** A kubeconfig file read into Fabric8's {@link Config}: the CLI's, the tests' and the benches'. */
public final class Kubeconfig {
  private Kubeconfig() {}

  /**
   * Reads {@code file} (its current context; files it names resolve against its folder).
   *
   * @throws UncheckedIOException when the file cannot be read
   */
  public static Config read(Path file) {
    if (!Files.isReadable(file)) {
      throw new UncheckedIOException(
          "cannot read kubeconfig " + file, new NoSuchFileException(file.toString()));
    }
    return Config.fromKubeconfig(file.toFile());
  }
}
