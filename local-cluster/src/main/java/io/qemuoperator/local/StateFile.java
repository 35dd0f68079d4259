package io.qemuoperator.local;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * The state file a running {@code up} writes ({@code $QEMU_OPERATOR_LOCAL_STATE}, default {@code
 * ~/.cache/qemu-operator/local-cluster}): its API server's URL, its pid and, on a real API server,
 * its kubeconfig. The other commands reach that cluster through it, unless {@code --kubeconfig
 * FILE} names one.
 */
record StateFile(Path path) {

  /** No cluster to talk to: no running {@code up}, or an unreadable kubeconfig. */
  static final class NoClusterException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NoClusterException(String message) {
      super(message);
    }
  }

  /** The state file {@code env} names, else the default one. */
  static StateFile of(Map<String, String> env) {
    String configured = env.get("QEMU_OPERATOR_LOCAL_STATE");
    if (configured != null && !configured.isBlank()) {
      return new StateFile(Path.of(configured));
    }
    return new StateFile(
        Path.of(System.getProperty("user.home"), ".cache", "qemu-operator", "local-cluster"));
  }

  /** Records the cluster of this process: {@code url}, and {@code kubeconfig} when there is one. */
  void write(String url, Optional<Path> kubeconfig) throws IOException {
    Files.createDirectories(path.toAbsolutePath().getParent());
    Files.writeString(
        path,
        "# written by qemu-operator-local up; removed when it stops\nserver="
            + url
            + "\npid="
            + ProcessHandle.current().pid()
            + "\n"
            + kubeconfig.map(k -> "kubeconfig=" + k.toAbsolutePath() + "\n").orElse(""));
  }

  /** Removes the file if it still names {@code url}: another {@code up} may own it by now. */
  void deleteIfFor(String url) {
    try {
      if (Files.readString(path).contains("server=" + url + "\n")) {
        Files.delete(path);
      }
    } catch (IOException e) {
      // already gone, or another 'up' owns it now
    }
  }

  /**
   * A client for the cluster of {@code kubeconfig} when given, else for the one this file names; a
   * {@link NoClusterException} when there is none.
   */
  KubernetesClient connect(Optional<Path> kubeconfig) {
    if (kubeconfig.isPresent()) {
      return connect(kubeconfig.get());
    }
    Properties properties = new Properties();
    try (var in = Files.newInputStream(path)) {
      properties.load(in);
    } catch (IOException e) {
      throw new NoClusterException(
          "no local cluster is running (no state file "
              + path
              + "): start one with 'qemu-operator-local up', or pass --kubeconfig FILE");
    }
    long pid = Long.parseLong(properties.getProperty("pid", "-1"));
    if (ProcessHandle.of(pid).filter(ProcessHandle::isAlive).isEmpty()) {
      throw new NoClusterException(
          "the local cluster of state file " + path + " is gone (process " + pid + " ended)");
    }
    String written = properties.getProperty("kubeconfig");
    if (written != null) {
      return connect(Path.of(written));
    }
    Config config =
        new ConfigBuilder(Config.empty())
            .withMasterUrl(properties.getProperty("server"))
            .withTrustCerts(true)
            .build();
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  private static KubernetesClient connect(Path kubeconfig) {
    try {
      return new KubernetesClientBuilder().withConfig(Kubeconfig.read(kubeconfig)).build();
    } catch (UncheckedIOException e) {
      throw new NoClusterException(e.getMessage());
    }
  }
}
