package io.qemuoperator.local;

import static io.qemuoperator.local.E2eCluster.isTrue;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Quantity;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.api.v1alpha1.status.QemuVMPhase;
import io.qemuoperator.operator.reconcile.Conditions;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/** Whole-cluster scenarios: deleting a QemuVM, a restarted operator, many VMs at once. */
@ParameterizedClass(name = "on the {0} API server")
@ValueSource(strings = {"mock", "real"})
class ClusterScenariosE2E extends OnBothApiServers {

  @Test
  void aDeletedQemuVmPowersItsGuestDownQuitsAndReleasesTheFinalizer() {
    e2e.create(e2e.vm("gone-1", s -> {}));
    QemuVM ready = e2e.await("gone-1", "Ready", vm -> isTrue(vm, Conditions.READY));
    assertThat(ready.getMetadata().getFinalizers()).isNotEmpty();
    ProcessHandle qemu = e2e.agent().qemu(e2e.ns, "gone-1-qemu");

    e2e.client.resource(ready).delete();

    Awaitility.await("the QemuVM is gone (finalizer released)")
        .atMost(Duration.ofSeconds(30))
        .until(() -> e2e.get("gone-1") == null);
    assertThat(e2e.eventReasons("gone-1")).contains("PowerdownRequested", "PowerdownTimedOut");
    // QEMU ended on the operator's quit; the pod, its Secret and claim went with the QemuVM
    // (garbage collection through owner references: kube-controller-manager's on the real server,
    // the local cluster's on the mock server)
    Awaitility.await("QEMU ended; the pod, Secret and claim gone")
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                !qemu.isAlive()
                    && e2e.client.pods().inNamespace(e2e.ns).withName("gone-1-qemu").get() == null
                    && !e2e.agent().runningPods().contains(e2e.ns + "/gone-1-qemu")
                    && e2e.client.secrets().inNamespace(e2e.ns).withName("gone-1-qmp-token").get()
                        == null
                    && e2e.client
                        .persistentVolumeClaims()
                        .inNamespace(e2e.ns)
                        .list()
                        .getItems()
                        .isEmpty());
  }

  @Test
  void aRestartedOperatorFindsItsVmsAndRepeatsNothing() {
    e2e.create(e2e.vm("keep-1", s -> s.setBalloon(new Quantity("100Mi"))));
    e2e.create(e2e.vm("keep-2", s -> s.setPaused(true)));
    e2e.await("keep-1", "Ready", vm -> isTrue(vm, Conditions.READY));
    e2e.await("keep-2", "Ready", vm -> isTrue(vm, Conditions.READY));
    List<String> before1 = e2e.eventReasons("keep-1");
    List<String> before2 = e2e.eventReasons("keep-2");
    ProcessHandle qemu1 = e2e.agent().qemu(e2e.ns, "keep-1-qemu");

    e2e.cluster.restartOperator();

    // The new operator reads every VM again (its first pass), then acts on a change: pausing
    // keep-1 proves it is running; nothing else is sent to either QEMU.
    e2e.edit("keep-1", s -> s.setPaused(true));
    e2e.await(
        "keep-1",
        "paused by the new operator",
        vm -> vm.getStatus().getPhase() == QemuVMPhase.Paused && isTrue(vm, Conditions.READY));
    Awaitility.await("no action repeated by the new operator")
        .during(Duration.ofSeconds(3))
        .atMost(Duration.ofSeconds(5))
        .until(
            () ->
                e2e.eventReasons("keep-2").equals(before2)
                    && e2e.eventReasonsAddedSince("keep-1", before1).size() == 1);
    assertThat(e2e.eventReasonsAddedSince("keep-1", before1)).containsExactly("Paused");
    assertThat(e2e.agent().qemu(e2e.ns, "keep-1-qemu").pid()).isEqualTo(qemu1.pid());
    // created paused: QEMU never ran its vCPUs, so it reports prelaunch
    assertThat(e2e.get("keep-2").getStatus().getRunState()).isEqualTo("prelaunch");
  }

  @Test
  void tenVmsAtOnceAllConverge() {
    List<String> names = IntStream.rangeClosed(1, 10).mapToObj(i -> "many-" + i).toList();
    for (String name : names) {
      e2e.create(e2e.vm(name, s -> s.setDisks(List.of())));
    }
    for (String name : names) {
      QemuVM vm =
          e2e.await(name, "Ready", Duration.ofSeconds(120), v -> isTrue(v, Conditions.READY));
      assertThat(vm.getStatus().getRunState()).isEqualTo("running");
      assertThat(vm.getStatus().getPhase()).isEqualTo(QemuVMPhase.Running);
    }
    assertThat(e2e.agent().runningPods()).hasSize(10);
    // each VM's own QEMU: ten distinct processes, each answering on its own monitor
    assertThat(names.stream().map(n -> e2e.agent().qemu(e2e.ns, n + "-qemu").pid()).distinct())
        .hasSize(10);
    try (var qmp = e2e.observer("many-7")) {
      assertThat(qmp.runState()).isEqualTo("running");
    }
  }

  /**
   * A pod's stop waits for its processes (up to the sidecar's 5 s grace after SIGTERM, longer while
   * a container's exit is being handled); the node's other pods must not wait with it. The node
   * agent stopped pods on the informer's one event thread, so a slow stop held up every other pod's
   * start: a guest ready after 73 s instead of 6 s in bench/guests.sh.
   */
  @Test
  void aPodThatIsSlowToStopHoldsUpNoOtherPod() throws Exception {
    // the other pod must come within the 5 s of the frozen sidecar's grace: on kube-apiserver, with
    // kube-controller-manager and a loaded machine, the operator's pod can come later than that
    Assumptions.assumeFalse(onRealApiServer(), "the mock API server only (see above)");
    e2e.create(e2e.vm("slow-1", s -> {}));
    // made ready to start beforehand: its pod comes a moment after it is set running
    e2e.create(e2e.vm("fast-1", s -> s.setRunning(false)));
    e2e.await("slow-1", "Ready", vm -> isTrue(vm, Conditions.READY));
    e2e.await(
        "fast-1",
        "Stopped",
        vm -> vm.getStatus() != null && vm.getStatus().getPhase() == QemuVMPhase.Stopped);
    ProcessHandle sidecar = e2e.agent().sidecar(e2e.ns, "slow-1-qemu").orElseThrow();
    // a frozen sidecar ignores SIGTERM: the pod's stop waits out the whole grace, then SIGKILLs
    assertThat(new ProcessBuilder("kill", "-STOP", Long.toString(sidecar.pid())).start().waitFor())
        .isZero();
    try {
      e2e.client.pods().inNamespace(e2e.ns).withName("slow-1-qemu").delete();
      Awaitility.await("the deleted pod's stop began (QEMU ended)")
          .atMost(Duration.ofSeconds(30))
          .until(() -> !e2e.agent().runningPods().contains(e2e.ns + "/slow-1-qemu"));
      e2e.edit("fast-1", s -> s.setRunning(true));
      Awaitility.await("the other VM's pod runs while the first pod still stops")
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  e2e.agent().runningPods().contains(e2e.ns + "/fast-1-qemu")
                      || !sidecar.isAlive());
      assertThat(sidecar.isAlive())
          .as("the other pod started before the slow pod's sidecar was gone")
          .isTrue();
    } finally {
      new ProcessBuilder("kill", "-CONT", Long.toString(sidecar.pid())).start().waitFor();
    }
    e2e.await("fast-1", "Ready", vm -> isTrue(vm, Conditions.READY));
    e2e.await("slow-1", "Ready again in a new pod", vm -> isTrue(vm, Conditions.READY));
  }
}
