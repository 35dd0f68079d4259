package io.qemuoperator.local;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.qemuoperator.api.v1alpha1.QemuVMApi;
import io.qemuoperator.operator.OperatorConfig;
import io.qemuoperator.operator.OperatorDeployment;
import io.qemuoperator.operator.QemuOperator;
import io.qemuoperator.operator.sidecar.Sidecar;
import io.qemuoperator.operator.sidecar.SidecarClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Kubernetes "cluster" on this machine: an API server (Fabric8's mock server in CRUD mode on a
 * loopback port, or any real cluster given by a kubeconfig), the QemuVM CRD, the operator, the
 * node's storage ({@link LocalStorage}: StorageClasses, a provisioner and a resizer, volumes in
 * {@code workDir/volumes}) and the {@link NodeAgent} that runs every VM pod as real QEMU and the
 * real sidecar.
 *
 * <p>The mock API server stores objects and serves watches; it does not validate against the CRD's
 * schema, run admission, bind claims or collect garbage: on it, a {@link VolumeBinder} binds claims
 * to their volumes and an {@link OwnerGarbageCollector} deletes a QemuVM's pod, Secret and claims
 * once the QemuVM is gone, as Kubernetes' controllers would. {@link #close()} stops everything it
 * started — operator, every QEMU and sidecar, the server — and deletes the volumes, the storage
 * classes it created and the pods' files ({@code workDir/pods}); a JVM shutdown hook does the same
 * on Ctrl-C.
 */
public final class LocalCluster implements UpCluster {
  private static final Logger log = LoggerFactory.getLogger(LocalCluster.class);
  private static final long MIB = 1L << 20;

  /**
   * How the operator reaches a real API server: as whom ({@code config}: e.g. a ServiceAccount's
   * token, so that only its RBAC applies) and as which deployment (watched namespaces, leader
   * election). The node agent serves the watched namespaces only (all when none are set). {@code
   * sidecars} wraps the operator's sidecar client: tests inject faults at the moment the operator
   * acts (the identity in production).
   */
  public record OperatorIdentity(
      Config config, OperatorDeployment deployment, UnaryOperator<Sidecar> sidecars) {
    public OperatorIdentity(Config config, OperatorDeployment deployment) {
      this(config, deployment, UnaryOperator.identity());
    }
  }

  private final Optional<InMemoryApiServer> server;
  private final KubernetesClient client;
  private final KubernetesClient operatorClient;
  private final OperatorDeployment deployment;
  private final UnaryOperator<Sidecar> sidecars;
  private final Path workDir;
  private final NodeAgent agent;
  private volatile LocalStorage storage;
  private final Optional<OwnerGarbageCollector> collector;
  private final OperatorConfig config;
  private volatile QemuOperator operator;
  private final Thread shutdownHook;
  private volatile boolean closed;

  private LocalCluster(
      Optional<InMemoryApiServer> server,
      KubernetesClient client,
      Optional<OperatorIdentity> operator,
      Path workDir,
      OperatorConfig config) {
    this.server = server;
    this.client = client;
    this.operatorClient =
        operator
            .map(o -> new KubernetesClientBuilder().withConfig(o.config()).build())
            .orElse(client);
    this.deployment =
        operator.map(OperatorIdentity::deployment).orElse(OperatorDeployment.single());
    this.sidecars = operator.map(OperatorIdentity::sidecars).orElse(UnaryOperator.identity());
    this.workDir = workDir;
    this.config = config;
    this.shutdownHook = new Thread(this::close, "local-cluster-shutdown");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
    this.agent = new NodeAgent(client, workDir.resolve("pods"), deployment.watchNamespaces());
    this.collector = server.map(s -> new OwnerGarbageCollector(client));
  }

  /**
   * Starts a cluster: on the mock API server when {@code kubeconfig} is empty, else on that
   * cluster. VM pods keep their files under {@code workDir/pods}, claims' volumes theirs under
   * {@code workDir/volumes}.
   */
  public static LocalCluster start(Optional<Path> kubeconfig, Path workDir) {
    if (kubeconfig.isPresent()) {
      return onApiServer(Kubeconfig.read(kubeconfig.get()), Optional.empty(), workDir);
    }
    var mock = InMemoryApiServer.start();
    return started(
        new LocalCluster(
            Optional.of(mock), mock.createClient(), Optional.empty(), workDir, operatorConfig()));
  }

  /**
   * Starts a cluster on a real API server: {@code admin} installs the CRD, runs the node agent and
   * is the client {@link #client()} returns; the operator connects as {@code operator} when given,
   * else as admin, watching every namespace.
   */
  public static LocalCluster onApiServer(
      Config admin, Optional<OperatorIdentity> operator, Path workDir) {
    return started(
        new LocalCluster(
            Optional.empty(),
            new KubernetesClientBuilder().withConfig(admin).build(),
            operator,
            workDir,
            operatorConfig()));
  }

  private static LocalCluster started(LocalCluster cluster) {
    try {
      cluster.storage =
          LocalStorage.start(
              cluster.client,
              cluster.workDir.resolve("volumes"),
              cluster.deployment.watchNamespaces(),
              cluster.isMock());
      cluster.createCrd();
      cluster.startOperator();
    } catch (RuntimeException e) {
      cluster.close();
      throw e;
    }
    log.info("local cluster up: API server {}", cluster.apiServerUrl());
    return cluster;
  }

  /** The images are names only here (the node agent runs local processes). */
  static OperatorConfig operatorConfig() {
    return new OperatorConfig(
        "qemu:local", "qmp-sidecar:local", 9443, 128 * MIB, Duration.ofMinutes(5));
  }

  private void createCrd() {
    // the mock server serves a CRD at once and never writes its status
    installCrd(client, !isMock());
  }

  /**
   * Creates or updates the CRDs (QemuVM, QemuVMMigration) with {@code client}; with {@code
   * waitEstablished}, waits (up to a minute each) until the API server serves them.
   */
  public static void installCrd(KubernetesClient client, boolean waitEstablished) {
    for (String name : QemuVMApi.CRD_RESOURCES) {
      try (InputStream in = LocalCluster.class.getResourceAsStream("/" + name)) {
        if (in == null) {
          throw new IllegalStateException("a CRD is not on the class path: " + name);
        }
        CustomResourceDefinition crd = Serialization.unmarshal(in, CustomResourceDefinition.class);
        var resource = client.apiextensions().v1().customResourceDefinitions().resource(crd);
        resource.createOr(c -> c.update());
        if (waitEstablished) {
          resource.waitUntilCondition(LocalCluster::established, 1, TimeUnit.MINUTES);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /**
   * True once the API server serves the CRD's resource. Right after a create the status, and its
   * list of conditions, may still be absent: both are read null-safe.
   */
  public static boolean established(CustomResourceDefinition crd) {
    return crd != null
        && crd.getStatus() != null
        && crd.getStatus().getConditions() != null
        && crd.getStatus().getConditions().stream()
            .anyMatch(c -> "Established".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  private void startOperator() {
    operator =
        QemuOperator.start(
            operatorClient,
            config,
            deployment,
            metrics -> sidecars.apply(SidecarClient.withDefaults(metrics)));
  }

  /** True while the operator runs with every informer watching ({@link QemuOperator#isReady}). */
  public synchronized boolean operatorReady() {
    return operator.isReady();
  }

  /** Stops the operator and starts a new one, as a restarted operator pod would. */
  public synchronized void restartOperator() {
    operator.close();
    startOperator();
  }

  /** The operator's Prometheus metrics, as its {@code /metrics} serves them. */
  public synchronized String operatorMetrics() {
    return operator.scrape();
  }

  @Override
  public KubernetesClient client() {
    return client;
  }

  public NodeAgent agent() {
    return agent;
  }

  public Path workDir() {
    return workDir;
  }

  @Override
  public String apiServerUrl() {
    return client.getMasterUrl().toString();
  }

  @Override
  public String description() {
    return (isMock() ? "Fabric8 mock, CRUD; " : "")
        + "node agent: QEMU and the sidecars as processes, the operator in this process";
  }

  /** True when the API server is the in-process mock server. */
  public boolean isMock() {
    return server.isPresent();
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // the JVM is shutting down: this is the hook
    }
    if (operator != null) {
      try {
        operator.close();
      } catch (RuntimeException e) {
        log.warn("stopping the operator: {}", e.toString());
      }
    }
    collector.ifPresent(OwnerGarbageCollector::close);
    agent.close();
    if (storage != null) {
      storage.close();
    }
    deletePodFiles();
    if (operatorClient != client) {
      operatorClient.close();
    }
    client.close();
    server.ifPresent(InMemoryApiServer::close);
    log.info("local cluster stopped");
  }

  /** The pods' folders (disk images, sockets, tokens) go with the cluster: also on a signal. */
  private void deletePodFiles() {
    Path pods = workDir.resolve("pods");
    try {
      deleteTree(pods);
    } catch (IOException | UncheckedIOException e) {
      log.warn("cannot delete {}: {}", pods, e.toString());
    }
  }

  /** Deletes {@code dir} and everything below it, best effort; nothing when it does not exist. */
  public static void deleteTree(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return;
    }
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
