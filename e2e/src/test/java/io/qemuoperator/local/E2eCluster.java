package io.qemuoperator.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.api.v1alpha1.spec.QemuVMSpec;
import io.qemuoperator.api.v1alpha1.status.Condition;
import io.qemuoperator.chart.ChartRbac;
import io.qemuoperator.e2e.RealApiServer;
import io.qemuoperator.operator.OperatorDeployment;
import io.qemuoperator.operator.sidecar.Sidecar;
import io.qemuoperator.testing.GuestShell;
import io.qemuoperator.testing.RawQmp;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * A {@link LocalCluster} for one scenario, and what scenarios ask of it: on Fabric8's mock API
 * server, or on the real kube-apiserver ({@link RealApiServer}) with the operator under exactly the
 * Helm chart's RBAC (its ServiceAccount's token, a Role in the scenario's own namespace).
 */
final class E2eCluster implements AutoCloseable {
  static final long MIB = 1 << 20;

  /** The scenario's namespace: {@code test} on the mock server, a fresh one on a real server. */
  final String ns;

  final Path root;
  final LocalCluster cluster;
  final KubernetesClient client;
  private final Optional<RealApiServer> server;

  private E2eCluster(String ns, Path root, LocalCluster cluster, Optional<RealApiServer> server) {
    this.ns = ns;
    this.root = root;
    this.cluster = cluster;
    this.client = cluster.client();
    this.server = server;
  }

  /** {@code mock} or {@code real}: on which API server. */
  static E2eCluster on(String apiServer, RealApiServer server) throws IOException {
    return switch (apiServer) {
      case "mock" -> onMockApiServer();
      case "real" -> onRealApiServer(server);
      default -> throw new IllegalArgumentException("mock or real, not " + apiServer);
    };
  }

  static E2eCluster onMockApiServer() throws IOException {
    Path root = Files.createTempDirectory("qo-e2e-");
    return new E2eCluster(
        "test", root, LocalCluster.start(Optional.empty(), root), Optional.empty());
  }

  /**
   * On the real API server: the CRD as generated, a fresh namespace, the chart's ServiceAccount and
   * RBAC for that namespace; the operator connects with the ServiceAccount's token and watches that
   * namespace only (as the chart's {@code watchNamespaces} sets it up).
   */
  static E2eCluster onRealApiServer(RealApiServer server) throws IOException {
    return onRealApiServer(server, UnaryOperator.identity());
  }

  /** As {@link #onRealApiServer(RealApiServer)}, the operator's sidecar client wrapped (faults). */
  static E2eCluster onRealApiServer(RealApiServer server, UnaryOperator<Sidecar> sidecars)
      throws IOException {
    server.installCrd();
    String ns = server.newNamespace("e2e");
    String token = ChartRbac.install(server, List.of(ns), false);
    Path root = Files.createTempDirectory("qo-e2e-");
    return new E2eCluster(
        ns,
        root,
        server.startLocalCluster(
            token, new OperatorDeployment(Optional.empty(), Set.of(ns)), root, sidecars),
        Optional.of(server));
  }

  /**
   * On the real API server, for tests of the node's parts (storage, node agent), which run as the
   * admin anyway: a fresh namespace, and the operator as the admin, watching that namespace only
   * (no chart RBAC to render and wait for).
   */
  static E2eCluster onRealApiServerAsAdmin(RealApiServer server) throws IOException {
    server.installCrd();
    String ns = server.newNamespace("e2e");
    Path root = Files.createTempDirectory("qo-e2e-");
    var operator =
        new LocalCluster.OperatorIdentity(
            server.adminConfig(), new OperatorDeployment(Optional.empty(), Set.of(ns)));
    return new E2eCluster(
        ns,
        root,
        LocalCluster.onApiServer(server.adminConfig(), Optional.of(operator), root),
        Optional.of(server));
  }

  NodeAgent agent() {
    return cluster.agent();
  }

  /**
   * Closes the cluster; the sidecars' logs (each a process's, in its pod's folder, which goes with
   * the cluster) must hold no ERROR line and no stack trace, as the scenario's own log ({@link
   * LogScan}).
   */
  @Override
  public void close() throws IOException {
    List<String> sidecarProblems = sidecarLogProblems();
    cluster.close();
    assertThat(cluster.agent().runningPods()).as("pods still running after close").isEmpty();
    server.ifPresent(s -> s.deleteNamespace(ns));
    LocalCluster.deleteTree(root);
    assertThat(sidecarProblems).as("errors in the sidecars' logs").isEmpty();
  }

  private List<String> sidecarLogProblems() throws IOException {
    Path pods = root.resolve("pods");
    if (!Files.isDirectory(pods)) {
      return List.of();
    }
    List<String> problems = new ArrayList<>();
    try (var logs = Files.find(pods, 2, (p, a) -> p.endsWith("sidecar.log"))) {
      for (Path log : logs.toList()) {
        Files.readAllLines(log).stream()
            .filter(LogScan::isProblem)
            .forEach(line -> problems.add(pods.relativize(log) + ": " + line));
      }
    }
    return problems;
  }

  /** A small VM: 1 vCPU, 128Mi, one 64Mi disk, a 2 s grace period; {@code spec} changes it. */
  QemuVM vm(String name, Consumer<QemuVMSpec> spec) {
    return SmallVm.of(ns, name, spec);
  }

  void create(QemuVM vm) {
    client.resource(vm).create();
  }

  QemuVM get(String name) {
    return client.resources(QemuVM.class).inNamespace(ns).withName(name).get();
  }

  /** Changes the spec as a user would: on a conflict with the operator's writes, again. */
  void edit(String name, Consumer<QemuVMSpec> change) {
    Manifests.editSpec(client.resources(QemuVM.class).inNamespace(ns).withName(name), change);
  }

  QemuVM await(String name, String what, Predicate<QemuVM> until) {
    return await(name, what, Duration.ofSeconds(60), until);
  }

  QemuVM await(String name, String what, Duration atMost, Predicate<QemuVM> until) {
    try {
      Awaitility.await(name + ": " + what)
          .atMost(atMost)
          .pollInterval(Duration.ofMillis(100))
          // a status read while a part of it is not there yet (no disks before QEMU is reached,
          // say) is "not yet", not a failure: the timeout's message shows the last status
          .ignoreExceptions()
          .until(
              () ->
                  Optional.ofNullable(get(name))
                      .map(vm -> vm.getStatus() != null && until.test(vm))
                      .orElse(false));
    } catch (ConditionTimeoutException e) {
      QemuVM vm = get(name);
      throw new AssertionError(
          name + ": " + what + " not reached; status: " + (vm == null ? "gone" : vm.getStatus()),
          e);
    }
    return get(name);
  }

  static Optional<Condition> condition(QemuVM vm, String type) {
    return VmTable.condition(vm, type);
  }

  static boolean isTrue(QemuVM vm, String type) {
    return condition(vm, type).map(c -> Condition.TRUE.equals(c.getStatus())).orElse(false);
  }

  /** A second QMP monitor of the VM's QEMU, independent of the sidecar and the operator. */
  RawQmp observer(String vm) {
    return RawQmp.connect(agent().observerSocket(ns, vm + "-qemu"));
  }

  /**
   * What the VM's guest wrote to its serial console (ttyS0) since its pod's first QEMU started: the
   * console log QEMU keeps in the pod's emptyDir ({@link NodeAgent#consoleLog}); empty before QEMU
   * created it.
   */
  String consoleLog(String vm) throws IOException {
    return podConsoleLog(vm + "-qemu");
  }

  /** What the guest wrote to the serial console of pod {@code pod} (a migration's target, say). */
  String podConsoleLog(String pod) throws IOException {
    Path log = agent().consoleLog(ns, pod);
    return Files.exists(log) ? Files.readString(log, java.nio.charset.StandardCharsets.UTF_8) : "";
  }

  /**
   * The VM's guest shell on its serial console (the test guest's root shell), typed into the pod's
   * console socket and read back from its console log; close it before the sidecar's console stream
   * is used.
   */
  GuestShell shell(String vm) {
    return GuestShell.attach(
        agent().consoleSocket(ns, vm + "-qemu"), agent().consoleLog(ns, vm + "-qemu"));
  }

  /** The guest shell in pod {@code pod}, which received the running guest by a migration. */
  GuestShell migratedShell(String pod) {
    return GuestShell.attachMigrated(agent().consoleSocket(ns, pod), agent().consoleLog(ns, pod));
  }

  /**
   * Creates the VM {@code name} with 256 MiB, its disk imported from the test guest's image ({@link
   * io.qemuoperator.testing.TestGuest#diskImage()}), {@code more} applied to its spec, and waits
   * (up to {@code boot}: TCG on a loaded machine) until it is Ready and its shell is up.
   */
  void bootTestGuest(String name, Duration boot, Consumer<QemuVMSpec> more) throws IOException {
    String image = io.qemuoperator.testing.TestGuest.find().diskImage().toUri().toString();
    create(
        vm(
            name,
            s -> {
              s.setMemory(new io.fabric8.kubernetes.api.model.Quantity("256Mi"));
              s.getDisks()
                  .getFirst()
                  .setSource(io.qemuoperator.api.v1alpha1.spec.DiskSource.url(image, null));
              more.accept(s);
            }));
    await(
        name, "Ready", boot, vm -> isTrue(vm, io.qemuoperator.operator.reconcile.Conditions.READY));
    awaitConsole(name, io.qemuoperator.testing.TestGuest.READY, boot);
  }

  /** The client the scenario acts with, as a user would (its namespace: {@link #namespace()}). */
  KubernetesClient client() {
    return client;
  }

  String namespace() {
    return ns;
  }

  /**
   * Waits until the VM's console log contains {@code text} (e.g. the test guest's ready line),
   * polling up to {@code timeout} (TCG guests on a loaded machine: 60–120 s); returns the log.
   */
  String awaitConsole(String vm, String text, Duration timeout) throws IOException {
    try {
      Awaitility.await(vm + ": \"" + text + "\" on the serial console")
          .atMost(timeout)
          .pollInterval(Duration.ofMillis(200))
          .until(() -> consoleLog(vm).contains(text));
    } catch (ConditionTimeoutException e) {
      String log = consoleLog(vm);
      String tail = log.substring(Math.max(0, log.length() - 2000));
      throw new AssertionError(vm + ": no \"" + text + "\" on the console; its end:\n" + tail, e);
    }
    return consoleLog(vm);
  }

  /**
   * The reasons of the VM's Events, each as often as it happened (an Event's count), sorted: a real
   * API server lists Events by name, not in the order they were recorded, so only the multiset
   * means anything.
   */
  List<String> eventReasons(String vm) {
    return client.v1().events().inNamespace(ns).list().getItems().stream()
        .filter(e -> vm.equals(e.getInvolvedObject().getName()))
        .flatMap(
            e ->
                java.util.Collections.nCopies(
                    e.getCount() == null ? 1 : e.getCount(), e.getReason())
                    .stream())
        .sorted()
        .toList();
  }

  /** The reasons of the VM's Events recorded since {@code before} was read (sorted). */
  List<String> eventReasonsAddedSince(String vm, List<String> before) {
    var added = new java.util.ArrayList<>(eventReasons(vm));
    before.forEach(added::remove);
    return added;
  }

  int eventCount() {
    return client.v1().events().inNamespace(ns).list().getItems().size();
  }
}
