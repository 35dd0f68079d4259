package io.qemuoperator.local;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code apply -f DIR|FILE...}: creates or updates the QemuVMs of the manifests, once every one of
 * them is valid ({@link Manifests}); nothing is applied otherwise.
 */
record ApplyCommand(PrintStream out, PrintStream err) implements ClusterCommand {

  @Override
  public int run(KubernetesClient client, CliOptions options) {
    if (options.files().isEmpty()) {
      err.println("error: apply needs -f DIR|FILE");
      return LocalCli.USAGE;
    }
    Optional<List<Manifests.Manifest>> manifests = load(options.files(), err);
    if (manifests.isEmpty()) {
      return LocalCli.USAGE;
    }
    try {
      Manifests.apply(client, options.namespace(), manifests.get()).forEach(out::println);
      return LocalCli.OK;
    } catch (Manifests.InvalidManifestException e) {
      err.println("error: invalid manifests, nothing applied:\n" + e.getMessage());
      return LocalCli.USAGE;
    }
  }

  /**
   * Every manifest of {@code files}; empty, the error printed to {@code err}, when one is
   * unreadable or invalid.
   */
  static Optional<List<Manifests.Manifest>> load(List<Path> files, PrintStream err) {
    List<Manifests.Manifest> manifests = new ArrayList<>();
    for (Path path : files) {
      try {
        manifests.addAll(Manifests.load(path));
      } catch (Manifests.InvalidManifestException e) {
        err.println("error: invalid manifests, nothing applied:\n" + e.getMessage());
        return Optional.empty();
      } catch (IOException e) {
        err.println("error: " + e.getMessage());
        return Optional.empty();
      }
    }
    return Optional.of(manifests);
  }
}
