package io.qemuoperator.local;

import static io.qemuoperator.local.E2eCluster.MIB;
import static io.qemuoperator.local.E2eCluster.condition;
import static io.qemuoperator.local.E2eCluster.isTrue;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Quantity;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.api.v1alpha1.spec.MigrationSpec;
import io.qemuoperator.api.v1alpha1.status.Condition;
import io.qemuoperator.api.v1alpha1.status.QemuVMPhase;
import io.qemuoperator.operator.reconcile.Conditions;
import io.qemuoperator.testing.HostKvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The operator end to end on the local cluster (Fabric8's mock API server in CRUD mode), with the
 * node agent running each VM pod as real QEMU and the real sidecar. QEMU's state is checked over a
 * second, independent QMP monitor, not through the operator's code.
 */
@ParameterizedClass(name = "on the {0} API server")
@ValueSource(strings = {"mock", "real"})
class QemuVMReconcilerE2E extends OnBothApiServers {

  @Test
  void aVmReachesItsSpecAndFollowsEveryChange() throws Exception {
    e2e.create(
        e2e.vm(
            "web-1",
            s -> {
              s.setBalloon(new Quantity("96Mi"));
              s.setMigration(new MigrationSpec(new Quantity("32Mi"), "500ms"));
            }));

    QemuVM running = e2e.await("web-1", "Ready and running", vm -> isTrue(vm, Conditions.READY));
    assertThat(running.getStatus().getPhase()).isEqualTo(QemuVMPhase.Running);
    assertThat(running.getStatus().getRunState()).isEqualTo("running");
    assertThat(running.getStatus().getQemu().getVersion()).matches("\\d+\\.\\d+\\.\\d+");
    assertThat(running.getStatus().getMemory().getTarget()).isEqualTo(96 * MIB);
    assertThat(running.getStatus().getMigration().getMaxBandwidth()).isEqualTo(32 * MIB);
    assertThat(running.getStatus().getMigration().getMaxDowntimeMs()).isEqualTo(500);
    assertThat(running.getStatus().getDisks())
        .singleElement()
        .satisfies(
            d -> {
              assertThat(d.getName()).isEqualTo("root");
              assertThat(d.getSizeBytes()).isEqualTo(64 * MIB);
              assertThat(d.getFormat()).isEqualTo("qcow2");
            });
    assertThat(running.getStatus().getCpus()).hasSize(1);
    // these machines' /dev/kvm is a nested kvm_pvm: the pod must choose TCG, and say so
    boolean usableKvm = HostKvm.usable();
    assertThat(condition(running, Conditions.ACCELERATED))
        .get()
        .satisfies(
            c -> {
              assertThat(c.getStatus()).isEqualTo(usableKvm ? Condition.TRUE : Condition.FALSE);
              assertThat(c.getReason()).isEqualTo(usableKvm ? "KVM" : "TCG");
            });
    assertThat(running.getStatus().getObservedGeneration())
        .isEqualTo(running.getMetadata().getGeneration());
    try (var qmp = e2e.observer("web-1")) {
      assertThat(qmp.runState()).isEqualTo("running");
      assertThat(qmp.execute("query-migrate-parameters", null).at("/return/max-bandwidth").asLong())
          .isEqualTo(32 * MIB);
      assertThat(qmp.execute("query-chardev", null).path("return"))
          .as("the serial console on the pod's socket, mapped into the pod's folder here")
          .anySatisfy(
              chardev ->
                  assertThat(chardev.path("filename").asText())
                      .contains(e2e.agent().consoleSocket(e2e.ns, "web-1-qemu").toString()));
    }
    assertThat(e2e.agent().consoleLog(e2e.ns, "web-1-qemu")).exists();
    assertThat(e2e.eventReasons("web-1")).contains("BalloonSet", "MigrationSpeedSet", "Resumed");

    // pause and resume, checked over the independent monitor
    e2e.edit("web-1", s -> s.setPaused(true));
    e2e.await(
        "web-1",
        "paused",
        vm -> vm.getStatus().getPhase() == QemuVMPhase.Paused && isTrue(vm, Conditions.READY));
    try (var qmp = e2e.observer("web-1")) {
      assertThat(qmp.runState()).isEqualTo("paused");
    }
    e2e.edit("web-1", s -> s.setPaused(false));
    e2e.await("web-1", "running again", vm -> "running".equals(vm.getStatus().getRunState()));

    // the disk grows, on disk too; a shrink is refused with a condition and changes nothing
    e2e.edit("web-1", s -> s.getDisks().get(0).setSize(new Quantity("128Mi")));
    e2e.await(
        "web-1", "disk grown", vm -> vm.getStatus().getDisks().get(0).getSizeBytes() == 128 * MIB);
    Path image = e2e.agent().claimFolder(e2e.ns, "web-1-root").orElseThrow().resolve("disk.qcow2");
    assertThat(QemuImg.virtualSize(image)).isEqualTo(128 * MIB);
    e2e.edit("web-1", s -> s.getDisks().get(0).setSize(new Quantity("32Mi")));
    QemuVM refused =
        e2e.await(
            "web-1",
            "shrink refused",
            vm ->
                condition(vm, Conditions.SYNCED)
                    .map(c -> "DiskShrinkRefused".equals(c.getReason()))
                    .orElse(false));
    assertThat(refused.getStatus().getDisks().get(0).getSizeBytes()).isEqualTo(128 * MIB);
    assertThat(QemuImg.virtualSize(image)).isEqualTo(128 * MIB);
    e2e.edit("web-1", s -> s.getDisks().get(0).setSize(new Quantity("128Mi")));
    e2e.await("web-1", "in sync again", vm -> isTrue(vm, Conditions.SYNCED));

    // someone stops the VM behind the operator's back: it is put back, and an Event says so
    try (var qmp = e2e.observer("web-1")) {
      qmp.execute("stop", null);
      Awaitility.await("drift corrected")
          .atMost(Duration.ofSeconds(20))
          .until(() -> qmp.runState().equals("running"));
    }
    assertThat(e2e.eventReasons("web-1")).contains("DriftCorrected");

    // running: false → ACPI power-down, no guest OS to act on it, quit after the grace period
    e2e.edit("web-1", s -> s.setRunning(false));
    QemuVM stopped =
        e2e.await("web-1", "stopped", vm -> vm.getStatus().getPhase() == QemuVMPhase.Stopped);
    Awaitility.await("the pod deleted after quit")
        .atMost(Duration.ofSeconds(20))
        .until(() -> e2e.client.pods().inNamespace(e2e.ns).withName("web-1-qemu").get() == null);
    assertThat(e2e.eventReasons("web-1")).contains("PowerdownRequested", "PowerdownTimedOut");
    assertThat(stopped.getStatus().getRunState()).isNull();

    // running again: a new pod under the same name mounts the same claim, the grown image in it
    Object imageFile = Files.readAttributes(image, BasicFileAttributes.class).fileKey();
    e2e.edit("web-1", s -> s.setRunning(true));
    e2e.await("web-1", "Ready again", vm -> isTrue(vm, Conditions.READY));
    assertThat(e2e.agent().claimFolder(e2e.ns, "web-1-root")).contains(image.getParent());
    assertThat(Files.readAttributes(image, BasicFileAttributes.class).fileKey())
        .as("the disk image is the one the first pod made")
        .isEqualTo(imageFile);
    assertThat(QemuImg.virtualSize(image)).isEqualTo(128 * MIB);
  }

  @Test
  void anInvalidSpecIsReportedNotActedOn() {
    e2e.create(e2e.vm("bad-1", s -> s.setBalloon(new Quantity("1Gi"))));
    QemuVM bad =
        e2e.await("bad-1", "invalid", vm -> condition(vm, Conditions.SPEC_VALID).isPresent());
    assertThat(condition(bad, Conditions.SPEC_VALID).get().getStatus()).isEqualTo(Condition.FALSE);
    assertThat(condition(bad, Conditions.SPEC_VALID).get().getMessage()).contains("balloon");
    assertThat(condition(bad, Conditions.READY).get().getReason()).isEqualTo("InvalidSpec");
    assertThat(e2e.client.pods().inNamespace(e2e.ns).withName("bad-1-qemu").get()).isNull();
  }

  @Test
  void aKilledQemuIsReportedThenRestartedAndTheSpecReappliedWithoutRepeats() throws Exception {
    e2e.create(e2e.vm("crash-1", s -> s.setBalloon(new Quantity("100Mi"))));
    e2e.await("crash-1", "Ready", vm -> isTrue(vm, Conditions.READY));
    long balloonEvents = e2e.eventReasons("crash-1").stream().filter("BalloonSet"::equals).count();
    assertThat(balloonEvents).isOne();

    long thread = e2e.get("crash-1").getStatus().getCpus().get(0).getThreadId();
    e2e.agent().qemu(e2e.ns, "crash-1-qemu").destroyForcibly();
    QemuVM down = e2e.await("crash-1", "QEMU reported down", vm -> !isTrue(vm, Conditions.READY));
    assertThat(down.getStatus().getPhase()).isIn(QemuVMPhase.Failed, QemuVMPhase.Starting);
    QemuVM back =
        e2e.await(
            "crash-1",
            "Ready again on a new QEMU",
            vm ->
                isTrue(vm, Conditions.READY)
                    && vm.getStatus().getCpus().get(0).getThreadId() != thread);
    assertThat(back.getStatus().getRunState()).isEqualTo("running");
    assertThat(e2e.eventReasons("crash-1").stream().filter("BalloonSet"::equals).count())
        .as("the new QEMU got the balloon target, once")
        .isEqualTo(2);

    // the sidecar restarts: a new instance, a full resync, and nothing is sent again
    List<String> before = e2e.eventReasons("crash-1");
    String oldInstance = back.getStatus().getSidecarInstance();
    e2e.agent().restartSidecar(e2e.ns, "crash-1-qemu");
    e2e.await(
        "crash-1",
        "re-read through the new sidecar",
        vm ->
            !oldInstance.equals(vm.getStatus().getSidecarInstance())
                && isTrue(vm, Conditions.READY));
    assertThat(e2e.eventReasonsAddedSince("crash-1", before))
        .as("a restarted sidecar finds the same QEMU and changes nothing in it")
        .isEmpty();

    // the sidecar's process is killed: the node starts it again, as a kubelet restarts a container
    String restartedInstance = e2e.get("crash-1").getStatus().getSidecarInstance();
    e2e.agent().sidecar(e2e.ns, "crash-1-qemu").orElseThrow().destroyForcibly();
    e2e.await(
        "crash-1",
        "re-read through the sidecar the node started again",
        vm ->
            !restartedInstance.equals(vm.getStatus().getSidecarInstance())
                && isTrue(vm, Conditions.READY));
    assertThat(
            e2e.client
                .pods()
                .inNamespace(e2e.ns)
                .withName("crash-1-qemu")
                .get()
                .getStatus()
                .getContainerStatuses())
        .filteredOn(c -> c.getName().equals("qmp-sidecar"))
        .singleElement()
        .satisfies(c -> assertThat(c.getRestartCount()).isOne());
    assertThat(e2e.eventReasonsAddedSince("crash-1", before)).isEmpty();
  }
}
