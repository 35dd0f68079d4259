package io.qemuoperator.chart;

import static io.qemuoperator.chart.ApiCall.call;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.api.v1alpha1.QemuVMMigration;
import io.qemuoperator.api.v1alpha1.spec.PortProtocol;
import io.qemuoperator.api.v1alpha1.spec.PortSpec;
import io.qemuoperator.api.v1alpha1.spec.QemuVMMigrationSpec;
import io.qemuoperator.api.v1alpha1.spec.ServiceSpec;
import io.qemuoperator.api.v1alpha1.status.MigrationPhase;
import io.qemuoperator.api.v1alpha1.status.QemuVMPhase;
import io.qemuoperator.e2e.RealApiServer;
import io.qemuoperator.local.LocalCluster;
import io.qemuoperator.local.Manifests;
import io.qemuoperator.local.SmallVm;
import io.qemuoperator.local.VmTable;
import io.qemuoperator.operator.OperatorDeployment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The operator on the real API server under exactly the RBAC the Helm chart renders (its
 * ServiceAccount's token; Roles for the watched namespace and the leader-election Lease), compared
 * with what it really asks of the server, read from the server's audit log: a permission the chart
 * lacks fails (403), and so does one the chart grants but the operator never uses.
 *
 * <p>The API server runs the OwnerReferencesPermissionEnforcement admission plugin, as hardened
 * clusters do, so the permission it checks (update on qemuvms/finalizers, for owner references with
 * blockOwnerDeletion) is needed too; it is never requested as such, and a second test proves it is
 * needed by taking it away.
 */
@ExtendWith(RealApiServer.class)
class ChartRbacOnRealApiServerE2E {

  /**
   * Allowed to every authenticated user by Kubernetes' own default role system:basic-user, not by
   * the chart: JOSDK asks whether it may use the Lease before it starts leader election.
   */
  static final Set<ApiCall> ALLOWED_TO_EVERYONE =
      Set.of(
          call("authorization.k8s.io", "selfsubjectaccessreviews", "create"),
          call("authorization.k8s.io", "selfsubjectrulesreviews", "create"));

  /**
   * Granted by the chart, needed, but never requested as such: the admission plugin's check of
   * blockOwnerDeletion, and JOSDK's lease check.
   */
  static final Set<ApiCall> NEEDED_BUT_NOT_REQUESTED =
      Set.of(
          call("qemu-operator.io", "qemuvms/finalizers", "update"),
          // the same check for a migration's target pod, owned by the request until the hand-over
          call("qemu-operator.io", "qemuvmmigrations/finalizers", "update"),
          // JOSDK checks it before it starts leader election; Fabric8 renews with a patch
          call("coordination.k8s.io", "leases", "update"));

  /**
   * Granted by the chart, needed, and requested only in some lives: JOSDK's conflict retry, reads
   * of a Secret, claim or pod after a 409 (JOSDK's dependents cache what they create, so this takes
   * an operator restart at the wrong moment), and a repeated Event counted up: these may be used or
   * not.
   */
  static final Set<ApiCall> NEEDED_AFTER_A_RACE =
      Set.of(
          // JOSDK re-reads the QemuVM when a finalizer patch conflicts (conflictRetryingPatch)
          call("qemu-operator.io", "qemuvms", "get"),
          call("", "pods", "get"),
          call("", "secrets", "get"),
          call("", "persistentvolumeclaims", "get"),
          call("", "services", "get"),
          // a repeated Event counts up on the first (a warning at every pass); read back only
          // when it was recorded before the operator process started
          call("", "events", "patch"),
          call("", "events", "get"));

  @Test
  void theOperatorUsesWhatTheChartGrantsAndNothingIsMissing(RealApiServer server) throws Exception {
    Instant start = Instant.now();
    String ns = setUp(server);
    String token = ChartRbac.install(server, List.of(ns), true);

    try (var run = new Run(server, ns, token, true)) {
      run.create(
          SmallVm.of(
              ns,
              "rbac-1",
              s -> {
                s.setBalloon(new Quantity("96Mi"));
                s.setPorts(List.of(new PortSpec("http", 18080, PortProtocol.TCP)));
                s.setService(new ServiceSpec(ServiceSpec.Type.ClusterIP));
              }));
      run.await("Ready", VmTable::isReady);
      // the VM's Service: created with the VM, its type edited (patch), deleted with the field
      Awaitility.await("the VM's Service")
          .atMost(Duration.ofSeconds(30))
          .until(() -> run.admin().services().inNamespace(ns).withName("rbac-1").get() != null);
      Manifests.editSpec(run.vm(), s -> s.setService(new ServiceSpec(ServiceSpec.Type.NodePort)));
      Awaitility.await("the VM's Service of type NodePort")
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  "NodePort"
                      .equals(
                          run.admin()
                              .services()
                              .inNamespace(ns)
                              .withName("rbac-1")
                              .get()
                              .getSpec()
                              .getType()));
      Manifests.editSpec(run.vm(), s -> s.setService(null));
      Awaitility.await("the VM's Service deleted with spec.service")
          .atMost(Duration.ofSeconds(30))
          .until(() -> run.admin().services().inNamespace(ns).withName("rbac-1").get() == null);
      Manifests.editSpec(run.vm(), s -> s.setPaused(true));
      run.await("Paused", vm -> vm.getStatus().getPhase() == QemuVMPhase.Paused);
      Manifests.editSpec(run.vm(), s -> s.setPaused(false));
      run.await("Ready again", vm -> "running".equals(vm.getStatus().getRunState()));
      // the disk grows: its claim's request is raised first (patch), then QEMU's image
      Manifests.editSpec(run.vm(), s -> s.getDisks().get(0).setSize(new Quantity("96Mi")));
      run.await(
          "disk grown",
          vm ->
              vm.getStatus().getDisks() != null
                  && !vm.getStatus().getDisks().isEmpty()
                  && vm.getStatus().getDisks().get(0).getSizeBytes() == 96L << 20);
      // a live migration: the request's informer, reads and status, its target pod handed over
      // to the QemuVM (an owner-reference patch), the source pod deleted
      var migration = new QemuVMMigration();
      migration.setMetadata(
          new io.fabric8.kubernetes.api.model.ObjectMetaBuilder()
              .withName("rbac-1-move")
              .withNamespace(ns)
              .build());
      migration.setSpec(new QemuVMMigrationSpec("rbac-1"));
      run.admin().resource(migration).create();
      Awaitility.await("the migration Completed")
          .atMost(Duration.ofSeconds(120))
          .until(
              () -> {
                QemuVMMigration m =
                    run.admin()
                        .resources(QemuVMMigration.class)
                        .inNamespace(ns)
                        .withName("rbac-1-move")
                        .get();
                return m.getStatus() != null
                    && m.getStatus().getPhase() == MigrationPhase.Completed;
              });
      run.await("Ready after the migration", VmTable::isReady);
      Manifests.editSpec(run.vm(), s -> s.setRunning(false));
      run.await(
          "Stopped (QEMU quit, pod deleted)",
          vm -> vm.getStatus().getPhase() == QemuVMPhase.Stopped);
      run.vm().delete();
      Awaitility.await("the QemuVM deleted (power-down, quit, finalizer released)")
          .atMost(Duration.ofSeconds(60))
          .until(() -> run.vm().get() == null);
    } finally {
      server.deleteNamespace(ns);
    }

    List<AuditLog.Request> requests = operatorRequests(server, start, ns);
    assertThat(requests).as("the operator's requests in the audit log").isNotEmpty();
    assertThat(requests.stream().filter(r -> r.code() == 403).toList())
        .as("requests the chart's RBAC refused")
        .isEmpty();
    Set<ApiCall> used =
        requests.stream()
            .map(AuditLog.Request::call)
            .filter(c -> !ALLOWED_TO_EVERYONE.contains(c))
            .collect(Collectors.toSet());
    Set<ApiCall> granted = new HashSet<>(HelmChartTest.OPERATOR_API_CALLS);
    granted.addAll(HelmChartTest.LEADER_ELECTION_CALLS);
    assertThat(used).as("calls the operator made").isSubsetOf(granted);
    Set<ApiCall> unused = new HashSet<>(granted);
    unused.removeAll(used);
    Set<ApiCall> listed = new HashSet<>(NEEDED_BUT_NOT_REQUESTED);
    listed.addAll(NEEDED_AFTER_A_RACE);
    assertThat(unused)
        .as("granted by the chart but never used (an excessive permission, unless listed)")
        .isSubsetOf(listed)
        .containsAll(NEEDED_BUT_NOT_REQUESTED);
    System.err.printf(
        "[rbac] %d requests of %s: %d distinct calls, none refused%n",
        requests.size(), ChartRbac.OPERATOR_USER, used.size());
  }

  @Test
  void withoutUpdateOnQemuvmsFinalizersTheVmsObjectsAreRefused(RealApiServer server)
      throws Exception {
    Instant start = Instant.now();
    String ns = setUp(server);
    String token =
        ChartRbac.install(
            server, List.of(ns), false, without("qemu-operator.io", "qemuvms/finalizers"));

    try (var run = new Run(server, ns, token, false)) {
      run.create(SmallVm.of(ns, "rbac-2", s -> s.setDisks(List.of())));
      // the first object with an owner reference (blockOwnerDeletion) is the token Secret
      Awaitility.await("the operator's Secret creation refused (audit log)")
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(500))
          .until(
              () ->
                  operatorRequests(server, start, ns).stream()
                      .anyMatch(
                          r -> r.code() == 403 && r.call().equals(call("", "secrets", "create"))));
      QemuVM vm =
          run.await(
              "the refusal shown on the QemuVM",
              v ->
                  VmTable.condition(v, "Ready")
                      .map(c -> c.getMessage() != null && c.getMessage().contains("forbidden"))
                      .orElse(false));
      assertThat(VmTable.isReady(vm)).isFalse();
      assertThat(run.admin().pods().inNamespace(ns).list().getItems()).isEmpty();
    } finally {
      server.deleteNamespace(ns);
    }
  }

  private static String setUp(RealApiServer server) {
    server.installCrd();
    return server.newNamespace("rbac");
  }

  /**
   * Every request the operator's ServiceAccount made since {@code start} in {@code ns} or the
   * release namespace.
   */
  private static List<AuditLog.Request> operatorRequests(
      RealApiServer server, Instant start, String ns) {
    return AuditLog.read(server.auditLog()).stream()
        .filter(r -> r.user().equals(ChartRbac.OPERATOR_USER))
        .filter(r -> !r.received().isBefore(start))
        .filter(
            r ->
                r.namespace().equals(ns)
                    || r.namespace().isEmpty()
                    || (r.namespace().equals(ChartRbac.RELEASE_NAMESPACE)
                        && r.call().resource().equals("leases")))
        .toList();
  }

  /** The rendered objects with every rule on {@code group}/{@code resource} taken out. */
  private static UnaryOperator<JsonNode> without(String group, String resource) {
    return manifest -> {
      if (!manifest.has("rules")) {
        return manifest;
      }
      ObjectNode copy = manifest.deepCopy();
      ArrayNode rules = copy.putArray("rules");
      for (JsonNode rule : manifest.path("rules")) {
        if (ApiCall.grantedByRule(rule).stream()
            .noneMatch(c -> c.group().equals(group) && c.resource().equals(resource))) {
          rules.add(rule);
        }
      }
      return copy;
    };
  }

  /** The local cluster with the operator connected as the chart's ServiceAccount. */
  private static final class Run implements AutoCloseable {
    private final String ns;
    private final Path root;
    private final LocalCluster cluster;
    private String name = "";

    Run(RealApiServer server, String ns, String token, boolean leaderElection) throws Exception {
      this.ns = ns;
      this.root = Files.createTempDirectory("qo-rbac-");
      var deployment =
          new OperatorDeployment(
              leaderElection
                  ? Optional.of(
                      LeaderElectionConfigurationBuilder.aLeaderElectionConfiguration(
                              OperatorDeployment.LEASE_NAME)
                          .withLeaseNamespace(ChartRbac.RELEASE_NAMESPACE)
                          // JOSDK ends the process when it stops leading: here, that is this JVM
                          .withExitOnStopLeading(false)
                          .build())
                  : Optional.empty(),
              Set.of(ns));
      this.cluster = server.startLocalCluster(token, deployment, root);
    }

    KubernetesClient admin() {
      return cluster.client();
    }

    void create(QemuVM vm) {
      name = vm.getMetadata().getName();
      admin().resource(vm).create();
    }

    io.fabric8.kubernetes.client.dsl.Resource<QemuVM> vm() {
      return admin().resources(QemuVM.class).inNamespace(ns).withName(name);
    }

    QemuVM await(String what, Predicate<QemuVM> until) {
      Awaitility.await(what)
          .atMost(Duration.ofSeconds(90))
          .pollInterval(Duration.ofMillis(200))
          .ignoreExceptions() // a part of status not there yet is "not yet"
          .until(
              () -> {
                QemuVM vm = vm().get();
                return vm != null && vm.getStatus() != null && until.test(vm);
              });
      return vm().get();
    }

    @Override
    public void close() throws IOException {
      cluster.close();
      LocalCluster.deleteTree(root);
    }
  }
}
