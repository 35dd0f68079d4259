package io.qemuoperator.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.qemuoperator.local.Kubeconfig;
import io.qemuoperator.local.LocalCluster;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real control plane for the benchmarks: etcd, kube-apiserver v1.20.2 and kube-controller-manager
 * (garbage collector, volume binder, …), started with {@code hack/local-apiserver.sh start DIR} and
 * stopped with {@code stop DIR} on {@link #close()} (binaries from {@code KUBE_BIN}, else built or
 * taken from the cache by {@code hack/kube-apiserver.sh}). The operator connects as the
 * ServiceAccount {@code qemu-operator/qemu-operator}, bound to {@code cluster-admin}; the API
 * server's audit log records every request of a service account (verb, resource, subresource), and
 * is what the operator's requests are counted from.
 */
public final class KubeApiServer implements BenchApiServer {
  static final String OPERATOR_NAMESPACE = "qemu-operator";
  static final String OPERATOR_ACCOUNT = "qemu-operator";
  private static final String OPERATOR_USER =
      "system:serviceaccount:" + OPERATOR_NAMESPACE + ":" + OPERATOR_ACCOUNT;
  private static final Path SCRIPT = Path.of("hack/local-apiserver.sh");

  private final Path dir;
  private final KubernetesClient client;
  private final Path operatorKubeconfig;
  private final ObjectMapper json = new ObjectMapper();
  private final Map<String, Long> counts = new HashMap<>();
  private final Thread stopOnExit;
  private long auditOffset;

  private KubeApiServer(
      Path dir, KubernetesClient client, Path operatorKubeconfig, Thread stopOnExit) {
    this.dir = dir;
    this.client = client;
    this.operatorKubeconfig = operatorKubeconfig;
    this.stopOnExit = stopOnExit;
  }

  /**
   * Starts the control plane in {@code dir}, installs the QemuVM CRD and the operator's account.
   */
  static KubeApiServer start(Path dir) throws IOException, InterruptedException {
    Path controlPlane = dir.resolve("control-plane");
    // also on Ctrl-C: etcd, kube-apiserver and kube-controller-manager end with the benchmark
    Thread stopOnExit = new Thread(() -> stopQuietly(controlPlane), "stop-control-plane");
    Runtime.getRuntime().addShutdownHook(stopOnExit);
    String started = run("start", controlPlane);
    Path kubeconfig = Path.of(started.strip().lines().reduce((a, b) -> b).orElseThrow());
    KubernetesClient client = null;
    try {
      String admin = Files.readString(kubeconfig);
      Config config = Kubeconfig.read(kubeconfig);
      config.setRequestTimeout(60_000);
      client = new KubernetesClientBuilder().withConfig(config).build();
      LocalCluster.installCrd(client, true);
      Path operatorKubeconfig = dir.resolve("operator.kubeconfig");
      Files.writeString(
          operatorKubeconfig, admin.replaceFirst("token: \\S+", "token: " + operatorToken(client)));
      return new KubeApiServer(controlPlane, client, operatorKubeconfig, stopOnExit);
    } catch (RuntimeException | IOException e) {
      if (client != null) {
        client.close();
      }
      run("stop", controlPlane);
      throw e;
    }
  }

  /** A token of the operator's ServiceAccount, which may do anything (cluster-admin). */
  private static String operatorToken(KubernetesClient client) {
    client
        .namespaces()
        .resource(
            new NamespaceBuilder()
                .withNewMetadata()
                .withName(OPERATOR_NAMESPACE)
                .endMetadata()
                .build())
        .create();
    client
        .serviceAccounts()
        .inNamespace(OPERATOR_NAMESPACE)
        .resource(
            new ServiceAccountBuilder()
                .withNewMetadata()
                .withName(OPERATOR_ACCOUNT)
                .endMetadata()
                .build())
        .create();
    client
        .rbac()
        .clusterRoleBindings()
        .resource(
            new ClusterRoleBindingBuilder()
                .withNewMetadata()
                .withName("qemu-operator-bench")
                .endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", "cluster-admin")
                .addNewSubject()
                .withKind("ServiceAccount")
                .withName(OPERATOR_ACCOUNT)
                .withNamespace(OPERATOR_NAMESPACE)
                .endSubject()
                .build())
        .create();
    return client
        .serviceAccounts()
        .inNamespace(OPERATOR_NAMESPACE)
        .withName(OPERATOR_ACCOUNT)
        .tokenRequest(
            new TokenRequestBuilder()
                .withNewSpec()
                .withExpirationSeconds(24 * 3600L)
                .endSpec()
                .build())
        .getStatus()
        .getToken();
  }

  @Override
  public String name() {
    return "real";
  }

  @Override
  public String description() {
    return "kube-apiserver v1.20.2 + etcd "
        + etcdVersion()
        + " + kube-controller-manager (hack/local-apiserver.sh)";
  }

  @Override
  public KubernetesClient client() {
    return client;
  }

  @Override
  public Path operatorKubeconfig() {
    return operatorKubeconfig;
  }

  /** Counted from the audit log: each request once, when complete (a watch when it started). */
  @Override
  public synchronized ApiRequests operatorRequests() {
    Path log = dir.resolve("audit.log");
    if (!Files.exists(log)) {
      return new ApiRequests(counts); // no service account has asked anything yet
    }
    try (var file = new RandomAccessFile(log.toFile(), "r")) {
      long length = file.length();
      if (length > auditOffset) {
        byte[] bytes = new byte[(int) (length - auditOffset)];
        file.seek(auditOffset);
        file.readFully(bytes);
        int end = lastNewline(bytes);
        auditOffset += end + 1;
        for (String line : new String(bytes, 0, end + 1, StandardCharsets.UTF_8).split("\n")) {
          if (!line.isBlank()) {
            count(json.readTree(line));
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the audit log " + log, e);
    }
    return new ApiRequests(counts);
  }

  private void count(JsonNode event) {
    String verb = event.path("verb").asText();
    String stage = event.path("stage").asText();
    boolean once =
        verb.equals("watch") ? stage.equals("ResponseStarted") : stage.equals("ResponseComplete");
    if (once && OPERATOR_USER.equals(event.path("user").path("username").asText())) {
      JsonNode ref = event.path("objectRef");
      counts.merge(
          ApiRequests.key(
              verb, ref.path("resource").asText(), ref.path("subresource").asText(null)),
          1L,
          Long::sum);
    }
  }

  private static int lastNewline(byte[] bytes) {
    for (int i = bytes.length - 1; i >= 0; i--) {
      if (bytes[i] == '\n') {
        return i;
      }
    }
    return -1;
  }

  /** Also waits for its default ServiceAccount: until it exists, no pod is admitted there. */
  @Override
  public void createNamespace(String name) {
    client
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
        .create();
    client
        .serviceAccounts()
        .inNamespace(name)
        .withName("default")
        .waitUntilCondition(account -> account != null, 1, TimeUnit.MINUTES);
  }

  /** kube-apiserver's metrics (as admin) and etcd's (its client port, from the command line). */
  @Override
  public ServerTimes serverTimes() {
    try {
      String pid = Files.readString(dir.resolve("kube-apiserver.pid")).strip();
      String cmdline = Files.readString(Path.of("/proc", pid, "cmdline"));
      Matcher etcd = Pattern.compile("--etcd-servers\\x00([^\\x00]+)").matcher(cmdline);
      String etcdMetrics = "";
      if (etcd.find()) {
        etcdMetrics =
            HttpClient.newHttpClient()
                .send(
                    HttpRequest.newBuilder(URI.create(etcd.group(1) + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString())
                .body();
      }
      return ServerTimes.parse(client.raw("/metrics"), etcdMetrics);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return ServerTimes.none();
    }
  }

  @Override
  public boolean needsVolumeBinder() {
    return false; // kube-controller-manager's persistentvolume-binder binds claims
  }

  /** Stops etcd, kube-apiserver and kube-controller-manager, and deletes etcd's data. */
  @Override
  public void close() {
    client.close();
    try {
      Runtime.getRuntime().removeShutdownHook(stopOnExit);
    } catch (IllegalStateException e) {
      // the JVM is shutting down: the hook stops the control plane
    }
    stopQuietly(dir);
  }

  private static void stopQuietly(Path dir) {
    try {
      run("stop", dir);
      LocalCluster.deleteTree(dir.resolve("etcd-data"));
    } catch (IOException | RuntimeException e) {
      System.err.println("[bench] stopping the control plane in " + dir + ": " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static String etcdVersion() {
    try {
      Process etcd = new ProcessBuilder("etcd", "--version").redirectErrorStream(true).start();
      String out = new String(etcd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      etcd.waitFor();
      return out.lines()
          .filter(l -> l.startsWith("etcd Version: "))
          .map(l -> l.substring("etcd Version: ".length()))
          .findFirst()
          .orElse("?");
    } catch (IOException e) {
      return "?";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "?";
    }
  }

  /**
   * Runs {@code hack/local-apiserver.sh ACTION DIR}; its progress goes to stderr; returns stdout.
   */
  private static String run(String action, Path dir) throws IOException, InterruptedException {
    Process process =
        new ProcessBuilder(List.of("bash", SCRIPT.toString(), action, dir.toString()))
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
            .start();
    byte[] out = process.getInputStream().readAllBytes();
    if (!process.waitFor(40, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      throw new IllegalStateException(SCRIPT + " " + action + " did not finish in 40 min");
    }
    if (process.exitValue() != 0) {
      throw new IllegalStateException(
          SCRIPT + " " + action + " " + dir + " failed (exit " + process.exitValue() + ")");
    }
    return new String(out, StandardCharsets.UTF_8);
  }
}
