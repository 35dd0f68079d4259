package io.qemuoperator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.api.v1alpha1.spec.QemuVMSpec;
import io.qemuoperator.api.v1alpha1.status.QemuVMPhase;
import io.qemuoperator.local.LocalCluster;
import io.qemuoperator.local.Manifests;
import io.qemuoperator.local.SmallVm;
import io.qemuoperator.local.VmTable;
import io.qemuoperator.testing.RawQmp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Optional;
import java.util.function.Predicate;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The operator and real VMs on the REAL API server (kube-apiserver v1.20.2 with etcd and
 * kube-controller-manager): the local cluster with {@code --kubeconfig}, the node agent running the
 * pod as real QEMU and the real sidecar. Checks QEMU over an independent QMP monitor, and that
 * deleting the QemuVM powers it down and lets kube-controller-manager garbage-collect its pod,
 * Secret and claim through owner references (the mock API server does none of that).
 */
@ExtendWith(RealApiServer.class)
class OperatorOnRealApiServerE2E {

  @Test
  void aVmConvergesFollowsChangesAndIsGarbageCollected(RealApiServer server) throws Exception {
    server.installCrd();
    String ns = server.newNamespace("vms");
    Path kubeconfig = RealApiServer.projectRoot().resolve("e2e/target/real-apiserver/kubeconfig");
    Path root = Files.createTempDirectory("qo-real-");
    try (var cluster = LocalCluster.start(Optional.of(kubeconfig), root)) {
      KubernetesClient client = cluster.client();
      client.resource(vm(ns, "web-1")).create();

      QemuVM ready = await(client, ns, "Ready", VmTable::isReady);
      assertThat(ready.getStatus().getPhase()).isEqualTo(QemuVMPhase.Running);
      assertThat(ready.getStatus().getDisks().get(0).getSizeBytes()).isEqualTo(64L << 20);
      assertThat(ready.getStatus().getMemory().getTarget()).isEqualTo(96L << 20);

      try (var observer = RawQmp.connect(cluster.agent().observerSocket(ns, "web-1-qemu"))) {
        assertThat(observer.runState()).isEqualTo("running");

        edit(client, ns, spec -> spec.setPaused(true));
        await(client, ns, "Paused", vm -> vm.getStatus().getPhase() == QemuVMPhase.Paused);
        assertThat(observer.runState()).isEqualTo("paused");
        edit(client, ns, spec -> spec.setPaused(false));
        await(client, ns, "running again", vm -> "running".equals(vm.getStatus().getRunState()));

        edit(client, ns, spec -> spec.getDisks().get(0).setSize(new Quantity("128Mi")));
        await(
            client,
            ns,
            "disk grown",
            vm -> vm.getStatus().getDisks().get(0).getSizeBytes() == 128L << 20);

        observer.execute("stop", null);
        Awaitility.await("drift corrected")
            .atMost(Duration.ofSeconds(30))
            .until(() -> observer.runState().equals("running"));
      }
      assertThat(
              client.v1().events().inNamespace(ns).list().getItems().stream()
                  .map(io.fabric8.kubernetes.api.model.Event::getReason))
          .contains("Resumed", "Paused", "BalloonSet", "DiskResized", "DriftCorrected");

      client.resources(QemuVM.class).inNamespace(ns).withName("web-1").delete();
      Awaitility.await("QemuVM gone (powered down, finalizer released)")
          .atMost(Duration.ofSeconds(60))
          .until(
              () -> client.resources(QemuVM.class).inNamespace(ns).withName("web-1").get() == null);
      Awaitility.await("pod, Secret and claim garbage-collected by kube-controller-manager")
          .atMost(Duration.ofSeconds(120))
          .pollInterval(Duration.ofSeconds(1))
          .until(
              () ->
                  client.pods().inNamespace(ns).list().getItems().isEmpty()
                      && client.secrets().inNamespace(ns).withName("web-1-qmp-token").get() == null
                      && client
                          .persistentVolumeClaims()
                          .inNamespace(ns)
                          .list()
                          .getItems()
                          .isEmpty());
    } finally {
      try (var files = Files.walk(root)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static QemuVM vm(String ns, String name) {
    return SmallVm.of(ns, name, spec -> spec.setBalloon(new Quantity("96Mi")));
  }

  private static void edit(
      KubernetesClient client, String ns, java.util.function.Consumer<QemuVMSpec> change) {
    Manifests.editSpec(client.resources(QemuVM.class).inNamespace(ns).withName("web-1"), change);
  }

  private static QemuVM await(
      KubernetesClient client, String ns, String what, Predicate<QemuVM> until) {
    Awaitility.await("web-1: " + what)
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              QemuVM vm = client.resources(QemuVM.class).inNamespace(ns).withName("web-1").get();
              return vm != null && vm.getStatus() != null && until.test(vm);
            });
    return client.resources(QemuVM.class).inNamespace(ns).withName("web-1").get();
  }
}
