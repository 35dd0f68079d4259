package io.qemuoperator.bench;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.util.List;

/**
 * The API server a cluster benchmark runs on: a real one ({@link KubeApiServer}: kube-apiserver
 * v1.20.2 on etcd, with kube-controller-manager) or Fabric8's mock ({@link MockApiServer}), kept as
 * a comparison. The benchmark acts through {@link #client()}; the operator connects with {@link
 * #operatorKubeconfig()}, as its own identity, so that its requests alone are counted.
 */
public sealed interface BenchApiServer extends AutoCloseable permits KubeApiServer, MockApiServer {

  /** {@code real} or {@code mock}: the column a figure goes in. */
  String name();

  /** What the server is, for the report. */
  String description();

  /** The benchmark's own client (admin); its requests are not the operator's. */
  KubernetesClient client();

  /** A kubeconfig for the operator process. */
  Path operatorKubeconfig();

  /** The operator's requests so far, by verb and resource. */
  ApiRequests operatorRequests();

  /** Creates namespace {@code name}, ready for pods. */
  void createNamespace(String name);

  /** The server's own timings so far (a real server's metrics; none for the mock). */
  default ServerTimes serverTimes() {
    return ServerTimes.none();
  }

  /** True when nothing binds claims to volumes on this server (the mock: no controllers). */
  boolean needsVolumeBinder();

  @Override
  void close();

  /**
   * The servers {@code --api-server} names: {@code real}, {@code mock} or {@code both} (real first,
   * then mock).
   */
  static List<String> chosen(String flag) {
    return switch (flag) {
      case "both" -> List.of("real", "mock");
      case "real", "mock" -> List.of(flag);
      default ->
          throw new IllegalArgumentException("--api-server must be real, mock or both: " + flag);
    };
  }

  /** Starts the server named {@code name}, keeping its files in {@code dir}. */
  static BenchApiServer start(String name, Path dir) throws Exception {
    return name.equals("real") ? KubeApiServer.start(dir) : MockApiServer.start(dir);
  }
}
