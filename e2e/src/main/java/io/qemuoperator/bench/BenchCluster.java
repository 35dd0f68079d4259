package io.qemuoperator.bench;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * What the cluster benchmarks run on: Fabric8's mock API server (CRUD), counting every request and
 * the QemuVM status writes among them, and the real operator as its own process ({@code java -jar
 * operator/target/qemu-operator.jar} with a kubeconfig for the mock server), so its CPU, heap and
 * RSS are its own.
 */
public final class BenchCluster implements AutoCloseable {
  private static final Pattern HEAP_USED =
      Pattern.compile("jvm_memory_used_bytes\\{area=\"heap\"[^}]*\\} ([0-9.eE+]+)");

  private final KubernetesMockServer server;
  private final RequestCounter counter = new RequestCounter();
  private final KubernetesClient client;
  private final Path dir;
  private final Path kubeconfig;
  private final Path operatorJar;
  private Process operator;
  private int metricsPort;

  public BenchCluster(Path dir, Path operatorJar) throws IOException {
    quietMockServerLog();
    this.dir = dir;
    this.operatorJar = operatorJar;
    server =
        new KubernetesMockServer(
            new Context(), new MockWebServer(), new HashMap<>(), counter, false);
    server.init(InetAddress.getLoopbackAddress(), 0);
    kubeconfig = dir.resolve("kubeconfig");
    Files.writeString(
        kubeconfig,
        """
        apiVersion: v1
        kind: Config
        clusters: [{name: bench, cluster: {server: "http://127.0.0.1:%d"}}]
        users: [{name: bench, user: {token: bench}}]
        contexts: [{name: bench, context: {cluster: bench, user: bench, namespace: default}}]
        current-context: bench
        """
            .formatted(server.getPort()));
    client = server.createClient();
  }

  public KubernetesClient client() {
    return client;
  }

  public long requests() {
    return counter.total.get();
  }

  public long statusWrites() {
    return counter.statusWrites.get();
  }

  /**
   * Writes (create, update, patch, delete) other than creating QemuVMs and reporting pod status:
   * what the operator writes, when the benchmark only creates QemuVMs and a kubelet reports pods.
   */
  public long operatorWrites() {
    return counter.operatorWrites.get();
  }

  /** Starts the operator process with {@code env} added to its environment. */
  public long startOperator(Map<String, String> env) throws IOException {
    metricsPort = freePort();
    var builder =
        new ProcessBuilder(
            ProcessHandle.current().info().command().orElse("java"),
            "-jar",
            operatorJar.toString());
    builder.environment().put("KUBECONFIG", kubeconfig.toString());
    builder.environment().put("METRICS_PORT", Integer.toString(metricsPort));
    builder.environment().putAll(env);
    builder
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log().toFile()));
    operator = builder.start();
    return operator.pid();
  }

  public void stopOperator() throws InterruptedException {
    if (operator != null) {
      operator.destroy();
      operator.waitFor();
      operator = null;
    }
  }

  public boolean operatorAlive() {
    return operator != null && operator.isAlive();
  }

  public Path log() {
    return dir.resolve("operator.log");
  }

  /** The operator's heap in use, from its own Prometheus metrics. */
  public double operatorHeapUsedMib() throws IOException, InterruptedException {
    String metrics =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    double used = 0;
    var matcher = HEAP_USED.matcher(metrics);
    while (matcher.find()) {
      used += Double.parseDouble(matcher.group(1));
    }
    return used / (1 << 20);
  }

  @Override
  public void close() throws InterruptedException {
    stopOperator();
    client.close();
    server.destroy();
  }

  private static int freePort() throws IOException {
    try (var socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  /** The mock API server logs every request (java.util.logging) at INFO. */
  private static void quietMockServerLog() {
    var root = java.util.logging.Logger.getLogger("");
    root.setLevel(java.util.logging.Level.WARNING);
    for (var handler : root.getHandlers()) {
      handler.setLevel(java.util.logging.Level.WARNING);
    }
  }

  /** Counts every request the mock API server answers, and the QemuVM status writes among them. */
  private static final class RequestCounter extends KubernetesCrudDispatcher {
    final AtomicLong total = new AtomicLong();
    final AtomicLong statusWrites = new AtomicLong();
    final AtomicLong operatorWrites = new AtomicLong();

    RequestCounter() {
      super(List.of());
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
      total.incrementAndGet();
      if (request.getPath().contains("/qemuvms/")
          && request.getPath().contains("/status")
          && !"GET".equals(request.getMethod())) {
        statusWrites.incrementAndGet();
      }
      boolean write = !"GET".equals(request.getMethod());
      boolean vmCreate =
          "POST".equals(request.getMethod()) && request.getPath().contains("/qemuvms");
      boolean podStatus =
          request.getPath().contains("/pods/") && request.getPath().contains("/status");
      if (write && !vmCreate && !podStatus) {
        operatorWrites.incrementAndGet();
      }
      return super.dispatch(request);
    }
  }
}
