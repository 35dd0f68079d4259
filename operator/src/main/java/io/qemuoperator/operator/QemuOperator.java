package io.qemuoperator.operator;

import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.qemuoperator.operator.migration.QemuVMMigrationReconciler;
import io.qemuoperator.operator.reconcile.QemuVMReconciler;
import io.qemuoperator.operator.sidecar.Sidecar;
import io.qemuoperator.operator.sidecar.SidecarClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator process: JOSDK with the QemuVM and QemuVMMigration reconcilers (server-side apply
 * off for the primary and for matching, the same in tests and production), JOSDK's Micrometer
 * metrics, and a small HTTP endpoint for probes and Prometheus on {@code METRICS_PORT} (default
 * 8080).
 */
public final class QemuOperator implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(QemuOperator.class);

  static final java.time.Duration RECONCILE_TERMINATION_TIMEOUT = java.time.Duration.ofSeconds(10);

  private final Operator operator;
  private final PrometheusMeterRegistry registry;

  private QemuOperator(Operator operator, PrometheusMeterRegistry registry) {
    this.operator = operator;
    this.registry = registry;
  }

  /** Registers the reconciler with {@code client} and starts the operator. */
  public static QemuOperator start(KubernetesClient client, OperatorConfig config) {
    return start(client, config, OperatorDeployment.single());
  }

  /**
   * Registers the reconciler with {@code client} and starts the operator, as one of several
   * replicas (leader election) and on some namespaces only when {@code deployment} says so.
   */
  public static QemuOperator start(
      KubernetesClient client, OperatorConfig config, OperatorDeployment deployment) {
    return start(client, config, deployment, SidecarClient::withDefaults);
  }

  /**
   * As {@link #start(KubernetesClient, OperatorConfig, OperatorDeployment)}, reaching the VMs'
   * sidecars through {@code sidecars} (given the operator's metrics): tests pass doubles.
   */
  public static QemuOperator start(
      KubernetesClient client,
      OperatorConfig config,
      OperatorDeployment deployment,
      java.util.function.Function<OperatorMetrics, Sidecar> sidecars) {
    var registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    var operator =
        new Operator(
            overrider -> {
              overrider
                  .withKubernetesClient(client)
                  .withUseSSAToPatchPrimaryResource(false)
                  .withSSABasedCreateUpdateMatchForDependentResources(false)
                  .withCloseClientOnStop(false)
                  // on stop, passes in flight finish (JOSDK's default, zero, interrupts them
                  // between a QMP action and the status that records it)
                  .withReconciliationTerminationTimeout(RECONCILE_TERMINATION_TIMEOUT)
                  .withMetrics(MicrometerMetrics.withoutPerResourceMetrics(registry));
              deployment.leaderElection().ifPresent(overrider::withLeaderElectionConfiguration);
            });
    var metrics = new OperatorMetrics(registry);
    Sidecar sidecar = sidecars.apply(metrics);
    operator.register(
        new QemuVMReconciler(config, sidecar, metrics, Clock.systemUTC()),
        overrider -> {
          overrider.withReconciliationMaxInterval(config.resyncInterval());
          if (!deployment.watchNamespaces().isEmpty()) {
            overrider.settingNamespaces(deployment.watchNamespaces());
          }
        });
    operator.register(
        new QemuVMMigrationReconciler(config, sidecar, Clock.systemUTC()),
        overrider -> {
          if (!deployment.watchNamespaces().isEmpty()) {
            overrider.settingNamespaces(deployment.watchNamespaces());
          }
        });
    operator.start();
    return new QemuOperator(operator, registry);
  }

  /**
   * True once the operator started and while every event source is healthy (its informers watch):
   * what {@code /readyz} reports.
   */
  public boolean isReady() {
    var info = operator.getRuntimeInfo();
    return info.isStarted() && info.allEventSourcesAreHealthy();
  }

  public String scrape() {
    return registry.scrape();
  }

  @Override
  public void close() {
    operator.stop();
  }

  public static void main(String[] args) throws IOException {
    OperatorConfig config = OperatorConfig.fromEnvironment(System.getenv());
    OperatorDeployment deployment = OperatorDeployment.fromEnvironment(System.getenv());
    KubernetesClient client = new KubernetesClientBuilder().build();
    QemuOperator running = start(client, config, deployment);
    int port = Integer.parseInt(System.getenv().getOrDefault("METRICS_PORT", "8080"));
    HttpServer http = HttpServer.create(new InetSocketAddress(port), 16);
    http.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    http.createContext(
        "/healthz",
        exchange ->
            answer(
                exchange,
                running.operator.getRuntimeInfo().isStarted() ? 200 : 503,
                running.operator.getRuntimeInfo().isStarted() ? "ok" : "not started"));
    http.createContext(
        "/readyz",
        exchange -> {
          boolean ready = running.isReady();
          answer(
              exchange,
              ready ? 200 : 503,
              ready
                  ? "ready"
                  : "unhealthy event sources: "
                      + running.operator.getRuntimeInfo().unhealthyEventSources());
        });
    http.createContext("/metrics", exchange -> answer(exchange, 200, running.scrape()));
    http.start();
    log.info(
        "qemu-operator started; probes and metrics on :{}; leader election {}; namespaces {}",
        port,
        deployment.leaderElection().isPresent() ? "on" : "off",
        deployment.watchNamespaces().isEmpty() ? "all" : deployment.watchNamespaces());
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  http.stop(0);
                  running.close();
                  client.close();
                },
                "qemu-operator-shutdown"));
  }

  private static void answer(com.sun.net.httpserver.HttpExchange exchange, int status, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    exchange.sendResponseHeaders(status, bytes.length);
    try (var out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }
}
