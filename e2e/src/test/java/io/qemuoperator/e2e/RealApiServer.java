package io.qemuoperator.e2e;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.qemuoperator.api.v1alpha1.QemuVMApi;
import io.qemuoperator.local.Kubeconfig;
import io.qemuoperator.local.LocalCluster;
import io.qemuoperator.operator.OperatorDeployment;
import io.qemuoperator.operator.sidecar.Sidecar;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * A real Kubernetes control plane for the *E2E tests: etcd, kube-apiserver v1.20.2 (RBAC on) and
 * kube-controller-manager (garbage collection, namespaces, service accounts), started by {@code
 * hack/local-apiserver.sh} once per test JVM and stopped when the tests are done.
 *
 * <p>Use with {@code @ExtendWith(RealApiServer.class)} and a {@code RealApiServer} parameter. The
 * binaries come from {@code KUBE_BIN} when set, else from {@code hack/kube-apiserver.sh} (which
 * builds them once per machine from Debian's source package, 7 to 20 minutes). Never skips: when
 * the control plane cannot start, the tests fail with the script's message.
 */
public final class RealApiServer implements BeforeAllCallback, ParameterResolver {

  /** The CRD as generated from the API classes, installed unchanged. */
  public static final String CRD_NAME = "qemuvms.qemu-operator.io";

  private static final AtomicInteger NAMESPACES = new AtomicInteger();

  /** The running control plane; one per test JVM, closed by JUnit at the end of the run. */
  public static final class Instance implements AutoCloseable {
    private final Path script;
    private final Path dir;
    private final Config adminConfig;
    private final KubernetesClient client;

    Instance(Path script, Path dir, Config adminConfig) {
      this.script = script;
      this.dir = dir;
      this.adminConfig = adminConfig;
      this.client = new KubernetesClientBuilder().withConfig(adminConfig).build();
    }

    @Override
    public void close() {
      client.close();
      run(script, "stop", dir, Duration.ofMinutes(1));
    }
  }

  private Instance instance;

  @Override
  public void beforeAll(ExtensionContext context) {
    instance =
        context
            .getRoot()
            .getStore(ExtensionContext.Namespace.create(RealApiServer.class))
            .getOrComputeIfAbsent(Instance.class, key -> start(), Instance.class);
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == RealApiServer.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return this;
  }

  /** A client with the admin's token (group system:masters). */
  public KubernetesClient client() {
    return instance.client;
  }

  /** The admin's connection settings (a copy). */
  public Config adminConfig() {
    return new ConfigBuilder(instance.adminConfig).build();
  }

  /** The server and its CA, authenticating with {@code bearerToken} instead of the admin's. */
  public Config configWithToken(String bearerToken) {
    return new ConfigBuilder(instance.adminConfig)
        .withOauthToken(bearerToken)
        .withUsername(null)
        .withPassword(null)
        .build();
  }

  /** A new client (close it) that authenticates with {@code bearerToken} instead of the admin's. */
  public KubernetesClient clientWithToken(String bearerToken) {
    return new KubernetesClientBuilder().withConfig(configWithToken(bearerToken)).build();
  }

  /**
   * A local cluster on this server: the admin installs the CRD and runs the node agent; the
   * operator connects with {@code operatorToken} as {@code deployment} says.
   */
  public LocalCluster startLocalCluster(
      String operatorToken, OperatorDeployment deployment, Path workDir) {
    return startLocalCluster(operatorToken, deployment, workDir, UnaryOperator.identity());
  }

  /** As above, the operator reaching the sidecars through {@code sidecars} (faults injected). */
  public LocalCluster startLocalCluster(
      String operatorToken,
      OperatorDeployment deployment,
      Path workDir,
      UnaryOperator<Sidecar> sidecars) {
    return LocalCluster.onApiServer(
        adminConfig(),
        Optional.of(
            new LocalCluster.OperatorIdentity(
                configWithToken(operatorToken), deployment, sidecars)),
        workDir);
  }

  /**
   * Kills kube-apiserver (SIGKILL, as a crash does), leaving etcd and kube-controller-manager
   * running; {@link #startApiServer()} brings it back. For scenarios of a control plane that goes
   * away under its clients: other tests of the JVM share this server, so start it again in a {@code
   * finally}.
   */
  public void stopApiServer() {
    run(instance.script, "stop-apiserver", instance.dir, Duration.ofMinutes(1));
  }

  /**
   * Starts kube-apiserver again as it was (same address, certificates and tokens, the data in
   * etcd); returns once its {@code /readyz} says 200.
   */
  public void startApiServer() {
    run(instance.script, "start-apiserver", instance.dir, Duration.ofMinutes(3));
  }

  /** The admin's kubeconfig file, for command-line clients (helm, kubectl). */
  public Path kubeconfig() {
    return instance.dir.resolve("kubeconfig");
  }

  /** The API server's audit log: one JSON event per line, for requests of service accounts. */
  public Path auditLog() {
    return instance.dir.resolve("audit.log");
  }

  /** A fresh namespace named {@code prefix-N-<time>}, created and returned. */
  public String newNamespace(String prefix) {
    String name =
        "%s-%d-%d".formatted(prefix, NAMESPACES.incrementAndGet(), System.nanoTime() % 100000);
    client()
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
        .create();
    return name;
  }

  /**
   * Deletes a test's namespace, leaving nothing behind on the shared server: with no operator left
   * to release them, the finalizers of QemuVMs and QemuVMMigrations would hold the namespace
   * forever, so they are removed first; kube-controller-manager then empties the namespace.
   */
  public void deleteNamespace(String namespace) {
    releaseFinalizers(io.qemuoperator.api.v1alpha1.QemuVM.class, namespace);
    releaseFinalizers(io.qemuoperator.api.v1alpha1.QemuVMMigration.class, namespace);
    client().namespaces().withName(namespace).delete();
  }

  /**
   * Removes the finalizers of every object of {@code type} in {@code namespace} (null: in every
   * namespace); nothing when the API server does not serve the type.
   *
   * <p>An object can outlive its namespace: after the API server restarts (OperatorUnderFaultsE2E
   * restarts this shared one), kube-controller-manager can finalize a terminating namespace before
   * it sees the custom resources in it. Such an object can be changed only in its namespace, so the
   * namespace is created again for the change and deleted after it.
   */
  public <T extends HasMetadata> void releaseFinalizers(Class<T> type, String namespace) {
    List<T> held;
    try {
      var all = client().resources(type);
      held =
          (namespace == null ? all.inAnyNamespace() : all.inNamespace(namespace)).list().getItems();
    } catch (KubernetesClientException notServed) {
      if (notServed.getCode() == 404) {
        return;
      }
      throw notServed;
    }
    for (T object : held) {
      if (object.getMetadata().getFinalizers().isEmpty()) {
        continue;
      }
      String ns = object.getMetadata().getNamespace();
      var resource =
          client().resources(type).inNamespace(ns).withName(object.getMetadata().getName());
      UnaryOperator<T> release =
          o -> {
            o.getMetadata().setFinalizers(List.of());
            return o;
          };
      try {
        resource.edit(release);
      } catch (KubernetesClientException e) {
        if (!namespaceGone(e)) {
          throw e;
        }
        client()
            .namespaces()
            .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
            .create();
        resource.edit(release);
        client().namespaces().withName(ns).delete();
      }
    }
  }

  private static boolean namespaceGone(KubernetesClientException e) {
    return e.getCode() == 404
        && e.getStatus() != null
        && e.getStatus().getDetails() != null
        && "namespaces".equals(e.getStatus().getDetails().getKind());
  }

  /**
   * Installs {@code crds/}' CRDs unchanged (idempotent) and waits until the API server serves them;
   * returns the QemuVM CRD as the server stored it.
   */
  public CustomResourceDefinition installCrd() {
    CustomResourceDefinition migrations = load("crds/" + QemuVMApi.MIGRATION_CRD_NAME + "-v1.yml");
    var migrationResource =
        client().apiextensions().v1().customResourceDefinitions().resource(migrations);
    if (migrationResource.get() == null) {
      migrationResource.create();
    }
    CustomResourceDefinition crd = loadCrd();
    var resource = client().apiextensions().v1().customResourceDefinitions().resource(crd);
    if (resource.get() == null) {
      resource.create();
    }
    migrationResource.waitUntilCondition(
        io.qemuoperator.local.LocalCluster::established, 1, TimeUnit.MINUTES);
    return resource.waitUntilCondition(
        io.qemuoperator.local.LocalCluster::established, 1, TimeUnit.MINUTES);
  }

  /** The committed CRD file, parsed. */
  public static CustomResourceDefinition loadCrd() {
    return load("crds/" + QemuVMApi.CRD_NAME + "-v1.yml");
  }

  /** A committed CRD file, parsed. */
  private static CustomResourceDefinition load(String path) {
    Path file = projectRoot().resolve(path);
    try {
      return io.fabric8.kubernetes.client.utils.Serialization.unmarshal(
          Files.readString(file), CustomResourceDefinition.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The repository's root: the working directory (e2e/ under Maven) or one of its parents. */
  static Path projectRoot() {
    Path dir = Path.of("").toAbsolutePath();
    for (Path p = dir; p != null; p = p.getParent()) {
      if (Files.isRegularFile(p.resolve("hack/local-apiserver.sh"))) {
        return p;
      }
    }
    throw new IllegalStateException("no hack/local-apiserver.sh in " + dir + " or its parents");
  }

  private static Instance start() {
    Path root = projectRoot();
    Path script = root.resolve("hack/local-apiserver.sh");
    Path dir = root.resolve("e2e/target/real-apiserver");
    long t0 = System.nanoTime();
    // Up to 40 min: without KUBE_BIN and a cache, the script builds kube-apiserver first.
    String kubeconfig = run(script, "start", dir, Duration.ofMinutes(40)).strip();
    System.err.printf(
        "[RealApiServer] control plane ready in %.1f s (%s)%n",
        (System.nanoTime() - t0) / 1e9, kubeconfig);
    try {
      Config config = Kubeconfig.read(Path.of(kubeconfig));
      config.setRequestTimeout(30_000);
      Instance instance = new Instance(script, dir, config);
      // Safety net when the JVM ends without JUnit closing the store (the script is idempotent).
      Runtime.getRuntime()
          .addShutdownHook(new Thread(() -> run(script, "stop", dir, Duration.ofMinutes(1))));
      return instance;
    } catch (UncheckedIOException e) {
      run(script, "stop", dir, Duration.ofMinutes(1));
      throw e;
    }
  }

  /** Runs the script; its stderr (progress, errors) goes to the test's stderr; returns stdout. */
  private static String run(Path script, String action, Path dir, Duration timeout) {
    try {
      Process process =
          new ProcessBuilder(List.of("bash", script.toString(), action, dir.toString()))
              .redirectError(ProcessBuilder.Redirect.INHERIT)
              .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
              .start();
      byte[] out = process.getInputStream().readAllBytes();
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException(script + " " + action + " took longer than " + timeout);
      }
      if (process.exitValue() != 0) {
        throw new IllegalStateException(
            "%s %s %s failed (exit %d); see its messages above"
                .formatted(script, action, dir, process.exitValue()));
      }
      return new String(out, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
