package io.qemuoperator.bench;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.qemuoperator.operator.reconcile.StageTrace;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What the cluster benchmarks run on: an API server ({@link BenchApiServer}: the real one or the
 * mock) and the real operator as its own process ({@code java -jar
 * operator/target/qemu-operator.jar} with a kubeconfig for that server, as its own identity), so
 * its CPU, heap, RSS and API requests are its own. {@link #close()} stops the operator; the server
 * is closed by whoever started it.
 */
public final class BenchCluster implements AutoCloseable {
  private static final Pattern HEAP_USED =
      Pattern.compile("jvm_memory_used_bytes\\{area=\"heap\"[^}]*\\} ([0-9.eE+]+)");

  private final BenchApiServer server;
  private final Path dir;
  private final Path operatorJar;
  private final Thread stopOnExit = new Thread(this::destroyOperator, "stop-operator");
  private volatile Process operator;
  private int metricsPort;

  public BenchCluster(BenchApiServer server, Path dir, Path operatorJar) {
    this.server = server;
    this.dir = dir;
    this.operatorJar = operatorJar;
    Runtime.getRuntime().addShutdownHook(stopOnExit); // also on Ctrl-C
  }

  public BenchApiServer server() {
    return server;
  }

  public KubernetesClient client() {
    return server.client();
  }

  /** The operator's requests so far, by verb and resource. */
  public ApiRequests operatorRequests() {
    return server.operatorRequests();
  }

  /**
   * Starts the operator process with {@code env} added to its environment; with {@code trace}, its
   * {@link StageTrace} lines (DEBUG) go to its log.
   */
  public long startOperator(Map<String, String> env, boolean trace) throws IOException {
    metricsPort = freePort();
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    if (trace) {
      command.add("-Dorg.slf4j.simpleLogger.log." + StageTrace.LOGGER + "=debug");
    }
    command.addAll(List.of("-jar", operatorJar.toString()));
    var builder = new ProcessBuilder(command);
    builder.environment().put("KUBECONFIG", server.operatorKubeconfig().toString());
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
  public void close() {
    try {
      stopOperator();
    } catch (InterruptedException e) {
      destroyOperator();
      Thread.currentThread().interrupt();
    }
    try {
      Runtime.getRuntime().removeShutdownHook(stopOnExit);
    } catch (IllegalStateException e) {
      // the JVM is shutting down: the hook ends the operator
    }
  }

  private void destroyOperator() {
    Process running = operator;
    if (running != null) {
      running.destroy();
    }
  }

  private static int freePort() throws IOException {
    try (var socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
