package io.qemuoperator.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.api.v1alpha1.spec.QemuVMSpec;
import io.qemuoperator.api.v1alpha1.status.Condition;
import io.qemuoperator.testing.RawQmp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/** A {@link LocalCluster} on the mock API server for one scenario, and what scenarios ask of it. */
final class E2eCluster implements AutoCloseable {
  static final String NS = "test";
  static final long MIB = 1 << 20;

  final Path root;
  final LocalCluster cluster;
  final KubernetesClient client;

  E2eCluster() throws Exception {
    root = Files.createTempDirectory("qo-e2e-");
    cluster = LocalCluster.start(Optional.empty(), root);
    client = cluster.client();
  }

  NodeAgent agent() {
    return cluster.agent();
  }

  @Override
  public void close() throws Exception {
    cluster.close();
    assertThat(cluster.agent().runningPods()).as("pods still running after close").isEmpty();
    try (var files = Files.walk(root)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  /** A small VM: 1 vCPU, 128Mi, one 64Mi disk, a 2 s grace period; {@code spec} changes it. */
  static QemuVM vm(String name, Consumer<QemuVMSpec> spec) {
    return SmallVm.of(NS, name, spec);
  }

  void create(QemuVM vm) {
    client.resource(vm).create();
  }

  QemuVM get(String name) {
    return client.resources(QemuVM.class).inNamespace(NS).withName(name).get();
  }

  /** Changes the spec as a user would: on a conflict with the operator's writes, again. */
  void edit(String name, Consumer<QemuVMSpec> change) {
    Manifests.editSpec(client.resources(QemuVM.class).inNamespace(NS).withName(name), change);
  }

  QemuVM await(String name, String what, Predicate<QemuVM> until) {
    return await(name, what, Duration.ofSeconds(60), until);
  }

  QemuVM await(String name, String what, Duration atMost, Predicate<QemuVM> until) {
    try {
      Awaitility.await(name + ": " + what)
          .atMost(atMost)
          .pollInterval(Duration.ofMillis(100))
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
    return RawQmp.connect(agent().observerSocket(NS, vm + "-qemu"));
  }

  List<String> eventReasons(String vm) {
    return client.v1().events().inNamespace(NS).list().getItems().stream()
        .filter(e -> vm.equals(e.getInvolvedObject().getName()))
        .map(Event::getReason)
        .toList();
  }

  int eventCount() {
    return client.v1().events().inNamespace(NS).list().getItems().size();
  }
}
