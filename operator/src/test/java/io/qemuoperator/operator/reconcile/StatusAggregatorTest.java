package io.qemuoperator.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.api.v1alpha1.spec.QemuVMSpec;
import io.qemuoperator.api.v1alpha1.status.Condition;
import io.qemuoperator.api.v1alpha1.status.QemuVMPhase;
import io.qemuoperator.api.v1alpha1.status.QemuVMStatus;
import io.qemuoperator.operator.plan.Blocker;
import io.qemuoperator.operator.plan.DesiredVm;
import io.qemuoperator.operator.plan.Plan;
import io.qemuoperator.operator.sidecar.SidecarException;
import io.qemuoperator.operator.sidecar.VmSnapshot;
import io.qemuoperator.operator.validation.Violation;
import io.qemuoperator.sidecar.api.GuestAgentState;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class StatusAggregatorTest {
  private static final Instant T0 = Instant.parse("2026-11-25T12:00:00Z");
  private final StatusAggregator aggregator = new StatusAggregator();

  private static QemuVM vm(QemuVMStatus status) {
    var vm = new QemuVM();
    vm.setMetadata(
        new ObjectMetaBuilder().withName("web-1").withNamespace("ns").withGeneration(3L).build());
    vm.setSpec(new QemuVMSpec());
    vm.setStatus(status);
    return vm;
  }

  private static DesiredVm desired(boolean running, boolean paused) {
    return io.qemuoperator.operator.plan.PlanFixtures.desired(
        running,
        paused,
        128L << 20,
        OptionalLong.empty(),
        Map.of("root", 64L << 20),
        OptionalLong.empty(),
        OptionalLong.empty(),
        Duration.ofSeconds(30));
  }

  private static Pod runningPod() {
    return new PodBuilder()
        .withNewStatus()
        .withPhase("Running")
        .withPodIP("10.0.0.5")
        .endStatus()
        .build();
  }

  private static VmSnapshot snapshot(String runState) {
    return new VmSnapshot(
        "inst-1",
        1,
        4,
        "7.2.22",
        false,
        true,
        runState,
        OptionalLong.of(128L << 20),
        OptionalLong.of(128L << 20),
        List.of(
            new VmSnapshot.DiskState("root", 64L << 20, "qcow2", false, "ok"),
            new VmSnapshot.DiskState("cd0", 2L << 20, "raw", true, "ok")),
        List.of(new VmSnapshot.CpuState(0, 4242)),
        "none",
        OptionalLong.of(1 << 20),
        OptionalLong.of(300),
        java.util.Optional.of("pc-q35-7.2"),
        java.util.Optional.empty(),
        java.util.Map.of());
  }

  private static Observation seen(VmSnapshot snapshot, Plan plan) {
    return new Observation(
        List.of(),
        Optional.of(runningPod()),
        Optional.of(snapshot),
        Optional.empty(),
        plan,
        List.of(),
        Optional.empty(),
        OptionalLong.empty(),
        Optional.empty(),
        Optional.of("pc-q35-7.2"),
        Optional.empty(),
        Optional.empty());
  }

  private static Plan converged() {
    return new Plan(List.of(), List.of(), Optional.empty());
  }

  private static Condition condition(QemuVMStatus status, String type) {
    return status.getConditions().stream()
        .filter(c -> c.getType().equals(type))
        .findFirst()
        .orElseThrow();
  }

  @ParameterizedTest(name = "{0}, paused={1} -> {2}")
  @CsvSource({
    "running, false, Running, True",
    "running, true, Running, False",
    "paused, true, Paused, True",
    "paused, false, Paused, False",
    "prelaunch, true, Paused, True",
    "prelaunch, false, Starting, False",
    "shutdown, false, Stopped, False",
    "io-error, false, Failed, False",
    "internal-error, false, Failed, False",
    "guest-panicked, false, Failed, False",
    "inmigrate, false, Paused, False",
    "suspended, false, Paused, False",
  })
  void phaseAndReadinessFollowQemusRunState(
      String runState, boolean paused, QemuVMPhase phase, String ready) {
    QemuVMStatus status =
        aggregator.status(
            vm(null), desired(true, paused), seen(snapshot(runState), converged()), T0);
    assertThat(status.getPhase()).isEqualTo(phase);
    assertThat(status.getRunState()).isEqualTo(runState);
    assertThat(condition(status, Conditions.READY).getStatus()).isEqualTo(ready);
  }

  @ParameterizedTest(name = "kvm enabled={0} present={1} -> {2} {3}")
  @CsvSource({"true, true, True, KVM", "false, true, False, TCG", "false, false, False, TCG"})
  void theAcceleratorQemuRunsWithIsACondition(
      boolean enabled, boolean present, String accelerated, String reason) {
    VmSnapshot kvm = snapshot("running");
    kvm =
        new VmSnapshot(
            kvm.instance(),
            kvm.session(),
            kvm.eventSeq(),
            kvm.qemuVersion(),
            enabled,
            present,
            kvm.runState(),
            kvm.balloonActual(),
            kvm.baseMemory(),
            kvm.disks(),
            kvm.cpus(),
            kvm.migrationStatus(),
            kvm.maxBandwidth(),
            kvm.downtimeLimitMillis(),
            java.util.Optional.of("pc-q35-7.2"),
            kvm.guestAgent(),
            kvm.media());
    QemuVMStatus status =
        aggregator.status(vm(null), desired(true, false), seen(kvm, converged()), T0);
    Condition condition = condition(status, Conditions.ACCELERATED);
    assertThat(condition.getStatus()).isEqualTo(accelerated);
    assertThat(condition.getReason()).isEqualTo(reason);
    assertThat(condition(status, Conditions.READY).getStatus())
        .as("TCG is slower, not broken: the VM is Ready either way")
        .isEqualTo("True");
  }

  @Test
  void statusCarriesWhatQemuReportsForTheSpecsDisksOnly() {
    QemuVMStatus status =
        aggregator.status(
            vm(null), desired(true, false), seen(snapshot("running"), converged()), T0);
    assertThat(status.getDisks())
        .singleElement()
        .satisfies(
            d -> {
              assertThat(d.getName()).isEqualTo("root");
              assertThat(d.getSizeBytes()).isEqualTo(64L << 20);
            });
    assertThat(status.getCpus().get(0).getThreadId()).isEqualTo(4242);
    assertThat(status.getQemu().getVersion()).isEqualTo("7.2.22");
    assertThat(status.getMigration().getMaxDowntimeMs()).isEqualTo(300);
    assertThat(status.getObservedGeneration()).isEqualTo(3);
  }

  @Test
  void anUnchangedVmGivesAnEqualStatusSoNothingIsWritten() {
    QemuVMStatus first =
        aggregator.status(
            vm(null), desired(true, false), seen(snapshot("running"), converged()), T0);
    QemuVMStatus later =
        aggregator.status(
            vm(first),
            desired(true, false),
            seen(snapshot("running"), converged()),
            T0.plusSeconds(600));
    assertThat(later).isEqualTo(first);
  }

  @Test
  void aTransitionTimeChangesOnlyWhenTheConditionsStatusChanges() {
    QemuVMStatus running =
        aggregator.status(
            vm(null), desired(true, false), seen(snapshot("running"), converged()), T0);
    QemuVMStatus paused =
        aggregator.status(
            vm(running),
            desired(true, true),
            seen(snapshot("paused"), converged()),
            T0.plusSeconds(60));
    assertThat(condition(paused, Conditions.PAUSED).getLastTransitionTime())
        .isEqualTo("2026-11-25T12:01:00Z");
    assertThat(condition(paused, Conditions.READY).getLastTransitionTime())
        .as("Ready stayed True")
        .isEqualTo("2026-11-25T12:00:00Z");
  }

  @Test
  void blockersAndQmpErrorsMakeSyncedFalseWithTheirReason() {
    var plan =
        new Plan(
            List.of(),
            List.of(new Blocker("DiskShrinkRefused", "disk 'root' is never shrunk")),
            Optional.empty());
    QemuVMStatus status =
        aggregator.status(vm(null), desired(true, false), seen(snapshot("running"), plan), T0);
    assertThat(condition(status, Conditions.SYNCED).getReason()).isEqualTo("DiskShrinkRefused");
    assertThat(condition(status, Conditions.READY).getStatus()).isEqualTo(Condition.FALSE);
  }

  @Test
  void anUnreachableSidecarIsSaidWithItsReasonAndNoStaleRunState() {
    var seen =
        Observation.notReached(
            Optional.of(runningPod()),
            Optional.of(
                new SidecarException(503, "QmpNotConnected", "QEMU is not connected", null)));
    QemuVMStatus status = aggregator.status(vm(null), desired(true, false), seen, T0);
    assertThat(status.getPhase()).isEqualTo(QemuVMPhase.Starting);
    assertThat(status.getRunState()).isNull();
    assertThat(condition(status, Conditions.SIDECAR_CONNECTED).getReason())
        .isEqualTo("QemuNotConnected");
  }

  @Test
  void aPodTheSchedulerCannotPlaceIsSaidWithTheSchedulersWords() {
    Pod pending =
        new PodBuilder()
            .withNewStatus()
            .withPhase("Pending")
            .addNewCondition()
            .withType("PodScheduled")
            .withStatus("False")
            .withReason("Unschedulable")
            .withMessage("0/1 nodes are available: 1 Insufficient cpu.")
            .endCondition()
            .endStatus()
            .build();

    QemuVMStatus status =
        aggregator.status(
            vm(null),
            desired(true, false),
            Observation.notReached(Optional.of(pending), Optional.empty()),
            T0);

    assertThat(status.getPhase()).isEqualTo(QemuVMPhase.Pending);
    assertThat(condition(status, Conditions.READY).getReason()).isEqualTo("Unschedulable");
    assertThat(condition(status, Conditions.READY).getMessage())
        .isEqualTo(
            "the VM's pod cannot be scheduled: 0/1 nodes are available: 1 Insufficient cpu.");
  }

  @Test
  void aPodTheKubeletRefusedIsSaidWithItsReasonNotAsStartingOrImporting() {
    Pod refused =
        new PodBuilder()
            .withNewSpec()
            .addNewInitContainer()
            .withName(io.qemuoperator.operator.pod.DiskImport.CONTAINER)
            .endInitContainer()
            .endSpec()
            .withNewStatus()
            .withPhase("Failed")
            .withReason("SysctlForbidden")
            .withMessage(
                "Pod forbidden sysctl: \"net.ipv4.ip_unprivileged_port_start\" not whitelisted")
            .endStatus()
            .build();
    var seen = Observation.notReached(Optional.of(refused), Optional.empty());

    QemuVMStatus status = aggregator.status(vm(null), desired(true, false), seen, T0);

    String says =
        "the VM's pod failed (SysctlForbidden): Pod forbidden sysctl:"
            + " \"net.ipv4.ip_unprivileged_port_start\" not whitelisted";
    assertThat(status.getPhase()).isEqualTo(QemuVMPhase.Failed);
    assertThat(condition(status, Conditions.READY).getReason()).isEqualTo("SysctlForbidden");
    assertThat(condition(status, Conditions.READY).getMessage()).isEqualTo(says);
    assertThat(condition(status, Conditions.SIDECAR_CONNECTED).getReason())
        .isEqualTo("SysctlForbidden");
    assertThat(condition(status, Conditions.DISKS_READY).getReason()).isEqualTo("SysctlForbidden");
    assertThat(condition(status, Conditions.DISKS_READY).getMessage())
        .isEqualTo("no disk imported: " + says);
  }

  @Test
  void anInvalidSpecKeepsWhatWasObservedAndSaysWhy() {
    QemuVMStatus running =
        aggregator.status(
            vm(null), desired(true, false), seen(snapshot("running"), converged()), T0);
    var seen =
        Observation.invalid(List.of(new Violation("spec.balloon", "must not exceed memory")));
    QemuVMStatus invalid =
        aggregator.status(vm(running), desired(true, false), seen, T0.plusSeconds(5));
    assertThat(invalid.getPhase()).isEqualTo(QemuVMPhase.Running);
    assertThat(invalid.getRunState()).isEqualTo("running");
    assertThat(condition(invalid, Conditions.SPEC_VALID).getMessage()).contains("spec.balloon");
    assertThat(condition(invalid, Conditions.READY).getReason()).isEqualTo("InvalidSpec");
  }

  @Test
  void powerDownIsRecordedAtTheTimeItWasRequested() {
    Instant asked = T0.plusSeconds(7);
    QemuVMStatus status =
        aggregator.status(
            vm(null), desired(false, false), Observation.poweringDown(asked), T0.plusSeconds(9));
    assertThat(condition(status, Conditions.STOPPING).getLastTransitionTime())
        .isEqualTo("2026-11-25T12:00:07Z");
    assertThat(status.getIntent().getPowerdownRequestedAt()).isEqualTo("2026-11-25T12:00:07Z");
    Instant precise = T0.plusMillis(7_654);
    assertThat(
            aggregator
                .status(vm(null), desired(false, false), Observation.poweringDown(precise), T0)
                .getIntent()
                .getPowerdownRequestedAt())
        .as("to the millisecond: the grace period is counted from it")
        .isEqualTo("2026-11-25T12:00:07.654Z");
    var since = RecordedIntent.powerdownSince(vm(status));
    assertThat(since).contains(asked);
  }

  @Test
  void aFailedPassSaysReconcileErrorAndKeepsTheRestWithTheirTransitionTimes() {
    QemuVMStatus running =
        aggregator.status(
            vm(null), desired(true, false), seen(snapshot("running"), converged()), T0);
    QemuVMStatus failed =
        aggregator.reconcileError(
            vm(running),
            new io.fabric8.kubernetes.client.KubernetesClientException("secrets is forbidden"),
            T0.plusSeconds(30));
    assertThat(condition(failed, Conditions.READY).getReason()).isEqualTo("ReconcileError");
    assertThat(condition(failed, Conditions.READY).getMessage()).contains("forbidden");
    assertThat(condition(failed, Conditions.READY).getLastTransitionTime())
        .isEqualTo("2026-11-25T12:00:30Z");
    assertThat(condition(failed, Conditions.SYNCED))
        .isEqualTo(condition(running, Conditions.SYNCED));
    assertThat(failed.getVcpus()).isEqualTo(running.getVcpus());
    assertThat(failed.getIntent()).isEqualTo(running.getIntent());
    // the same error again changes nothing: no write
    assertThat(
            aggregator.reconcileError(
                vm(failed),
                new io.fabric8.kubernetes.client.KubernetesClientException("secrets is forbidden"),
                T0.plusSeconds(90)))
        .isEqualTo(failed);
  }

  @Test
  void statusSaysWhatQemuRunsAndWhatTheOperatorIntends() {
    QemuVMStatus status =
        aggregator.status(
            vm(null), desired(true, false), seen(snapshot("running"), converged()), T0);
    assertThat(status.getVcpus()).isEqualTo(1);
    assertThat(status.getMemory().getBoot())
        .isEqualTo(new io.fabric8.kubernetes.api.model.Quantity("128Mi"));
    assertThat(status.getIntent().getQemu()).isEqualTo("4242");
  }

  /** A running pod whose qemu container probes the guest's port, ready as the kubelet says. */
  private static Pod probingPod(boolean guestAnswers) {
    return new PodBuilder()
        .withNewSpec()
        .addNewContainer()
        .withName("qemu")
        .withNewReadinessProbe()
        .withNewHttpGet()
        .withNewPort("http")
        .withPath("/")
        .endHttpGet()
        .endReadinessProbe()
        .endContainer()
        .endSpec()
        .withNewStatus()
        .withPhase("Running")
        .withPodIP("10.0.0.5")
        .addNewContainerStatus()
        .withName("qemu")
        .withReady(guestAnswers)
        .withNewState()
        .withNewRunning()
        .endRunning()
        .endState()
        .endContainerStatus()
        .endStatus()
        .build();
  }

  private static Observation seenWith(Pod pod, String runState) {
    return new Observation(
        List.of(),
        Optional.of(pod),
        Optional.of(snapshot(runState)),
        Optional.empty(),
        converged(),
        List.of(),
        Optional.empty(),
        OptionalLong.empty(),
        Optional.empty(),
        Optional.of("pc-q35-7.2"),
        Optional.empty(),
        Optional.empty());
  }

  @Test
  void withAProbeReadyWaitsForTheGuestAndFollowsIt() {
    QemuVMStatus up =
        aggregator.status(
            vm(null), desired(true, false), seenWith(probingPod(true), "running"), T0);
    assertThat(condition(up, Conditions.GUEST_READY).getStatus()).isEqualTo("True");
    assertThat(condition(up, Conditions.GUEST_READY).getReason()).isEqualTo("PortAnswers");
    assertThat(condition(up, Conditions.READY).getStatus()).isEqualTo("True");

    QemuVMStatus down =
        aggregator.status(vm(up), desired(true, false), seenWith(probingPod(false), "running"), T0);
    assertThat(condition(down, Conditions.GUEST_READY).getStatus()).isEqualTo("False");
    assertThat(condition(down, Conditions.GUEST_READY).getReason()).isEqualTo("NotAnswering");
    assertThat(condition(down, Conditions.READY).getStatus()).isEqualTo("False");
    assertThat(condition(down, Conditions.READY).getReason()).isEqualTo("GuestNotReady");

    QemuVMStatus paused =
        aggregator.status(vm(null), desired(true, true), seenWith(probingPod(false), "paused"), T0);
    assertThat(condition(paused, Conditions.GUEST_READY).getReason()).isEqualTo("GuestNotRunning");
    assertThat(condition(paused, Conditions.READY).getStatus())
        .as("paused as declared: ready, though the guest cannot answer")
        .isEqualTo("True");

    QemuVMStatus noProbe =
        aggregator.status(vm(up), desired(true, false), seen(snapshot("running"), converged()), T0);
    assertThat(noProbe.getConditions()).noneMatch(c -> c.getType().equals(Conditions.GUEST_READY));
  }

  /** A running pod whose sidecar follows the guest agent (spec.guestAgent), no readiness probe. */
  private static Pod agentPod() {
    return new PodBuilder()
        .withNewSpec()
        .addNewContainer()
        .withName("qemu")
        .endContainer()
        .addNewContainer()
        .withName("qmp-sidecar")
        .withArgs("--qmp", "/run/qmp/qmp.sock", "--guest-agent", "/run/qmp/guest-agent.sock")
        .endContainer()
        .endSpec()
        .withNewStatus()
        .withPhase("Running")
        .withPodIP("10.0.0.5")
        .endStatus()
        .build();
  }

  private static Observation seenWithAgent(String runState, GuestAgentState agent) {
    VmSnapshot plain = snapshot(runState);
    var snapshot =
        new VmSnapshot(
            plain.instance(),
            plain.session(),
            plain.eventSeq(),
            plain.qemuVersion(),
            plain.kvmEnabled(),
            plain.kvmPresent(),
            plain.runState(),
            plain.balloonActual(),
            plain.baseMemory(),
            plain.disks(),
            plain.cpus(),
            plain.migrationStatus(),
            plain.maxBandwidth(),
            plain.downtimeLimitMillis(),
            plain.machine(),
            Optional.ofNullable(agent),
            plain.media());
    return new Observation(
        List.of(),
        Optional.of(agentPod()),
        Optional.of(snapshot),
        Optional.empty(),
        converged(),
        List.of(),
        Optional.empty(),
        OptionalLong.empty(),
        Optional.empty(),
        Optional.of("pc-q35-7.2"),
        Optional.empty(),
        Optional.empty());
  }

  private static final GuestAgentState ANSWERING =
      new GuestAgentState(
          true,
          true,
          T0,
          "Debian GNU/Linux",
          "12 (bookworm)",
          "Debian GNU/Linux 12 (bookworm)",
          "6.1.0-28-cloud-amd64",
          "web-1",
          "7.2.15",
          null);

  @Test
  void withTheGuestAgentAndNoProbeGuestReadyFollowsTheAgent() {
    QemuVMStatus up =
        aggregator.status(vm(null), desired(true, false), seenWithAgent("running", ANSWERING), T0);
    assertThat(condition(up, Conditions.GUEST_READY).getStatus()).isEqualTo("True");
    assertThat(condition(up, Conditions.GUEST_READY).getReason()).isEqualTo("AgentAnswers");
    assertThat(condition(up, Conditions.GUEST_READY).getMessage())
        .contains("Debian GNU/Linux 12 (bookworm)");
    assertThat(condition(up, Conditions.READY).getStatus()).isEqualTo("True");
    assertThat(up.getGuest().getAgent()).isEqualTo("Answering");
    assertThat(up.getGuest().getOs()).isEqualTo("Debian GNU/Linux 12 (bookworm)");
    assertThat(up.getGuest().getKernel()).isEqualTo("6.1.0-28-cloud-amd64");
    assertThat(up.getGuest().getHostname()).isEqualTo("web-1");
    assertThat(up.getGuest().getAgentVersion()).isEqualTo("7.2.15");

    var silent =
        new GuestAgentState(
            true,
            false,
            T0,
            "Debian GNU/Linux",
            "12 (bookworm)",
            "Debian GNU/Linux 12 (bookworm)",
            "6.1.0-28-cloud-amd64",
            "web-1",
            "7.2.15",
            "no answer to guest-ping within 3000 ms");
    QemuVMStatus down =
        aggregator.status(vm(up), desired(true, false), seenWithAgent("running", silent), T0);
    assertThat(condition(down, Conditions.GUEST_READY).getStatus()).isEqualTo("False");
    assertThat(condition(down, Conditions.GUEST_READY).getReason()).isEqualTo("AgentNotAnswering");
    assertThat(condition(down, Conditions.GUEST_READY).getMessage()).contains("guest-ping");
    assertThat(condition(down, Conditions.READY).getReason()).isEqualTo("GuestNotReady");
    assertThat(condition(down, Conditions.READY).getMessage()).contains("AgentNotAnswering");
    assertThat(down.getGuest().getAgent()).isEqualTo("NotAnswering");

    QemuVMStatus paused =
        aggregator.status(vm(up), desired(true, true), seenWithAgent("paused", silent), T0);
    assertThat(condition(paused, Conditions.GUEST_READY).getReason()).isEqualTo("GuestNotRunning");
    assertThat(condition(paused, Conditions.READY).getStatus()).isEqualTo("True");

    QemuVMStatus noAgent =
        aggregator.status(vm(up), desired(true, false), seen(snapshot("running"), converged()), T0);
    assertThat(noAgent.getConditions()).noneMatch(c -> c.getType().equals(Conditions.GUEST_READY));
    assertThat(noAgent.getGuest()).isNull();
  }
}
