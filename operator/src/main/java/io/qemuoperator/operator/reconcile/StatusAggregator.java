package io.qemuoperator.operator.reconcile;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.api.v1alpha1.spec.LinkState;
import io.qemuoperator.api.v1alpha1.status.CdromStatus;
import io.qemuoperator.api.v1alpha1.status.Condition;
import io.qemuoperator.api.v1alpha1.status.CpuStatus;
import io.qemuoperator.api.v1alpha1.status.DiskImportStatus;
import io.qemuoperator.api.v1alpha1.status.DiskStatus;
import io.qemuoperator.api.v1alpha1.status.GuestStatus;
import io.qemuoperator.api.v1alpha1.status.IntentStatus;
import io.qemuoperator.api.v1alpha1.status.IoLimitsStatus;
import io.qemuoperator.api.v1alpha1.status.KvmStatus;
import io.qemuoperator.api.v1alpha1.status.MemoryStatus;
import io.qemuoperator.api.v1alpha1.status.MigrationStatus;
import io.qemuoperator.api.v1alpha1.status.NetworkStatus;
import io.qemuoperator.api.v1alpha1.status.QemuStatus;
import io.qemuoperator.api.v1alpha1.status.QemuVMPhase;
import io.qemuoperator.api.v1alpha1.status.QemuVMStatus;
import io.qemuoperator.operator.plan.Blocker;
import io.qemuoperator.operator.plan.CdromMedia;
import io.qemuoperator.operator.plan.DesiredVm;
import io.qemuoperator.operator.plan.IoLimits;
import io.qemuoperator.operator.plan.Quantities;
import io.qemuoperator.operator.plan.Restart;
import io.qemuoperator.operator.pod.VmPod;
import io.qemuoperator.operator.pod.VmResources;
import io.qemuoperator.operator.sidecar.SidecarException;
import io.qemuoperator.operator.sidecar.VmSnapshot;
import io.qemuoperator.qmp.types.RunState;
import io.qemuoperator.sidecar.api.GuestAgentState;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The one place that turns what a reconcile pass observed into a QemuVM status: phase, QEMU's
 * figures, and the conditions with their rules. A condition's {@code lastTransitionTime} changes
 * only when its status changes, so an unchanged VM yields an equal status (and no write).
 */
public final class StatusAggregator {

  public QemuVMStatus status(QemuVM vm, DesiredVm desired, Observation seen, Instant now) {
    long generation = generation(vm);
    var previous = vm.getStatus() == null ? List.<Condition>of() : conditions(vm.getStatus());
    var conditions = new ConditionWriter(previous, generation, now);
    var status = new QemuVMStatus();
    status.setObservedGeneration(generation);

    if (!seen.violations().isEmpty()) {
      String message =
          seen.violations().stream().map(Object::toString).collect(Collectors.joining("; "));
      conditions.set(Conditions.SPEC_VALID, false, "InvalidSpec", message);
      conditions.set(
          Conditions.READY, false, "InvalidSpec", "the spec breaks the CRD's rules: " + message);
      // QEMU was not contacted: keep what was last observed, and the phase.
      QemuVMStatus old = vm.getStatus() == null ? new QemuVMStatus() : vm.getStatus();
      copyObserved(old, status);
      status.setMachine(old.getMachine());
      status.setPhase(old.getPhase() == null ? QemuVMPhase.Pending : old.getPhase());
      status.setConditions(conditions.all());
      return status;
    }
    conditions.set(Conditions.SPEC_VALID, true, "Valid", "the spec passes every rule");
    if (seen.snapshot().isPresent()) {
      observe(seen.snapshot().get(), desired, status);
      var network = new NetworkStatus();
      network.setLink(seen.link().orElse(LinkState.Up).name());
      status.setNetwork(network);
    } else if (vm.getStatus() != null && seen.pod().isPresent()) {
      // QEMU not reached this pass: its figures stay as last read (the conditions say it is not
      // reachable), except the run state, which nobody knows now. The vCPU threads also keep
      // identifying the QEMU the intents were sent to, so a restarted sidecar repeats nothing.
      copyObserved(vm.getStatus(), status);
      status.setRunState(null);
    }
    status.setGuest(guest(vm, seen));
    status.setIntent(intent(vm, seen));
    // the machine type QEMU runs, kept while it is not read: it pins the VM's later launches
    status.setMachine(
        seen.machine().orElse(vm.getStatus() == null ? null : vm.getStatus().getMachine()));
    seen.balloonTarget()
        .ifPresent(
            target -> {
              if (status.getMemory() == null) {
                status.setMemory(new MemoryStatus());
              }
              status.getMemory().setTarget(target);
            });

    QemuVMPhase phase = phase(desired, seen);
    status.setPhase(phase);
    sidecarCondition(seen, conditions);
    pausedCondition(seen, conditions);
    acceleratedCondition(seen, conditions);
    disksReadyCondition(vm, seen, conditions, status);
    boolean synced = syncedCondition(seen, conditions);
    // A deferred restart leaves the VM running as it is: it is ready, and Synced says what waits.
    boolean onlyRestartRequired =
        !seen.plan().blockers().isEmpty()
            && seen.failed().isEmpty()
            && seen.plan().blockers().stream().allMatch(b -> Restart.REQUIRED.equals(b.reason()));
    Optional<Boolean> guestReady = guestReadyCondition(phase, seen, conditions);
    boolean asDeclared =
        (synced || onlyRestartRequired)
            && ((phase == QemuVMPhase.Running && !desired.paused())
                || (phase == QemuVMPhase.Paused && desired.paused())
                || (phase == QemuVMPhase.Stopped && !desired.running()));
    // A running VM whose pod probes its guest is ready once the guest answers.
    boolean guestDown = phase == QemuVMPhase.Running && guestReady.isPresent() && !guestReady.get();
    boolean ready = asDeclared && !guestDown;
    conditions.set(
        Conditions.READY,
        ready,
        ready ? phase.name() : asDeclared ? "GuestNotReady" : notReadyReason(phase, seen),
        ready
            ? "the VM is "
                + phase.name().toLowerCase()
                + " as declared"
                + (guestReady.orElse(false) ? " and its guest answers" : "")
            : asDeclared
                ? "QEMU runs, but the guest is not ready yet (GuestReady: "
                    + conditions.reasonOf(Conditions.GUEST_READY).orElse("?")
                    + ")"
                : notReadyMessage(phase, seen));
    seen.powerdownSince()
        .ifPresent(
            since ->
                conditions.setAt(
                    Conditions.STOPPING,
                    true,
                    "PowerdownRequested",
                    "the guest was asked to power down (ACPI); QEMU is ended after "
                        + desired.gracePeriod().toSeconds()
                        + " s if it has not shut down",
                    since));
    status.setConditions(conditions.all());
    return status;
  }

  /** A copy of the VM's status to change (the informer cache's object is never mutated). */
  private static QemuVMStatus copyOfStatus(QemuVM vm) {
    return vm.getStatus() == null
        ? new QemuVMStatus()
        : io.fabric8.kubernetes.client.utils.Serialization.clone(vm.getStatus());
  }

  /** A writer holding every condition of {@code status} as it was. */
  private static ConditionWriter keptConditions(QemuVM vm, QemuVMStatus status, Instant now) {
    var previous = conditions(status);
    var conditions = new ConditionWriter(previous, generation(vm), now);
    previous.forEach(conditions::keep);
    return conditions;
  }

  /**
   * The status while {@code migration} moves the VM: everything as last written, phase Migrating,
   * condition Migrating=True with the migration's phase as its reason. (Once it ends, the next pass
   * writes the status afresh, without the condition.)
   */
  public QemuVMStatus migrating(
      QemuVM vm, io.qemuoperator.api.v1alpha1.QemuVMMigration migration, Instant now) {
    QemuVMStatus status = copyOfStatus(vm);
    var conditions = keptConditions(vm, status, now);
    var phase = migration.getStatus().getPhase();
    conditions.set(
        Conditions.MIGRATING,
        true,
        phase.name(),
        "QemuVMMigration "
            + migration.getMetadata().getName()
            + " is "
            + phase
            + " (pod "
            + migration.getStatus().getSourcePod()
            + " → "
            + migration.getStatus().getTargetPod()
            + "); the operator sends the VM nothing else until it ends");
    status.setConditions(conditions.all());
    status.setPhase(QemuVMPhase.Migrating);
    return status;
  }

  /**
   * The status after a pass that failed with {@code error} (an API call refused, say): everything
   * as last written, Ready=False ReconcileError with the error, transition times kept by the same
   * rules as every other status.
   */
  public QemuVMStatus reconcileError(QemuVM vm, Exception error, Instant now) {
    QemuVMStatus status = copyOfStatus(vm);
    var conditions = keptConditions(vm, status, now);
    conditions.set(
        Conditions.READY,
        false,
        "ReconcileError",
        error.getClass().getSimpleName() + ": " + error.getMessage());
    status.setConditions(conditions.all());
    return status;
  }

  /**
   * What the operator intends, for the next pass: which QEMU and pod revision, the balloon target
   * sent and when power-down was requested. While QEMU is not reached, its identity and balloon
   * target stay as recorded, so a restarted sidecar causes nothing to be sent again.
   */
  private static IntentStatus intent(QemuVM vm, Observation seen) {
    IntentStatus before = RecordedIntent.intent(vm);
    var intent = new IntentStatus();
    if (seen.snapshot().isPresent()) {
      String qemu = seen.snapshot().get().qemuIdentity();
      intent.setQemu(qemu.isEmpty() ? null : qemu);
    } else if (seen.pod().isPresent()) {
      intent.setQemu(before.getQemu());
      intent.setBalloonTarget(before.getBalloonTarget());
    }
    seen.pod()
        .map(Pod::getMetadata)
        .map(metadata -> metadata.getLabels())
        .map(labels -> labels.get(VmPod.REVISION))
        .ifPresent(intent::setLaunchRevision);
    seen.balloonTarget().ifPresent(intent::setBalloonTarget);
    if (seen.snapshot().isPresent()) {
      seen.link().map(LinkState::name).ifPresent(intent::setLink);
    } else if (seen.pod().isPresent()) {
      intent.setLink(before.getLink());
    }
    // to the millisecond: the grace period is counted from it, and whole seconds would cut it short
    seen.powerdownSince()
        .map(since -> since.truncatedTo(ChronoUnit.MILLIS).toString())
        .ifPresent(intent::setPowerdownRequestedAt);
    return intent.equals(new IntentStatus()) ? null : intent;
  }

  private static long generation(QemuVM vm) {
    Long generation = vm.getMetadata().getGeneration();
    return generation == null ? 0 : generation;
  }

  private static List<Condition> conditions(QemuVMStatus status) {
    return status.getConditions() == null ? List.of() : status.getConditions();
  }

  private static void observe(VmSnapshot snapshot, DesiredVm desired, QemuVMStatus status) {
    status.setRunState(snapshot.runState());
    status.setSidecarInstance(snapshot.instance());
    var qemu = new QemuStatus();
    qemu.setVersion(snapshot.qemuVersion());
    var kvm = new KvmStatus();
    kvm.setEnabled(snapshot.kvmEnabled());
    kvm.setPresent(snapshot.kvmPresent());
    qemu.setKvm(kvm);
    status.setQemu(qemu);
    var memory = new MemoryStatus();
    snapshot
        .baseMemory()
        .ifPresent(bytes -> memory.setBoot(new Quantity(Quantities.format(bytes))));
    snapshot.balloonActual().ifPresent(memory::setActual);
    status.setMemory(memory);
    var disks = new ArrayList<DiskStatus>();
    for (VmSnapshot.DiskState state : snapshot.disks()) {
      // the spec's disks: those the planner sizes, and those on a user's claim (used as is)
      if (!desired.diskBytes().containsKey(state.device())
          && !desired.launch().boot().diskNames().contains(state.device())) {
        continue;
      }
      var disk = new DiskStatus();
      disk.setName(state.device());
      disk.setDevice(state.device());
      if (state.sizeBytes() >= 0) {
        disk.setSizeBytes(state.sizeBytes());
      }
      disk.setFormat(state.format());
      disk.setReadOnly(state.readOnly());
      disk.setIoStatus(state.ioStatus());
      disk.setIoLimits(ioLimits(state.ioLimits()));
      disks.add(disk);
    }
    status.setDisks(disks);
    var cdroms = new ArrayList<CdromStatus>();
    for (String name : desired.cdromFiles().keySet().stream().sorted().toList()) {
      CdromMedia.Medium medium = snapshot.media().get(name);
      if (medium == null) {
        continue; // not in this QEMU (it comes with the restart that adds it)
      }
      var cdrom = new CdromStatus();
      cdrom.setName(name);
      medium.file().map(file -> CdromMedia.relative(name, file)).ifPresent(cdrom::setFile);
      medium.trayOpen().ifPresent(cdrom::setTrayOpen);
      cdrom.setLocked(medium.locked());
      cdroms.add(cdrom);
    }
    status.setCdroms(cdroms.isEmpty() ? null : cdroms);
    var cpus = new ArrayList<CpuStatus>();
    for (VmSnapshot.CpuState state : snapshot.cpus()) {
      var cpu = new CpuStatus();
      cpu.setIndex((int) state.index());
      cpu.setThreadId(state.threadId());
      cpus.add(cpu);
    }
    status.setCpus(cpus);
    status.setVcpus(cpus.size());
    var migration = new MigrationStatus();
    migration.setStatus(snapshot.migrationStatus());
    snapshot.maxBandwidth().ifPresent(migration::setMaxBandwidth);
    snapshot.downtimeLimitMillis().ifPresent(migration::setMaxDowntimeMs);
    status.setMigration(migration);
  }

  /** The limits QEMU applies, those it does not left out; null when it applies none. */
  private static IoLimitsStatus ioLimits(IoLimits limits) {
    if (limits.none()) {
      return null;
    }
    var status = new IoLimitsStatus();
    status.setTotalBytesPerSec(positive(limits.bps()));
    status.setReadBytesPerSec(positive(limits.bpsRd()));
    status.setWriteBytesPerSec(positive(limits.bpsWr()));
    status.setTotalIopsPerSec(positive(limits.iops()));
    status.setReadIopsPerSec(positive(limits.iopsRd()));
    status.setWriteIopsPerSec(positive(limits.iopsWr()));
    return status;
  }

  private static Long positive(long value) {
    return value > 0 ? value : null;
  }

  private static void copyObserved(QemuVMStatus from, QemuVMStatus to) {
    to.setNetwork(from.getNetwork());
    to.setRunState(from.getRunState());
    to.setQemu(from.getQemu());
    to.setMemory(from.getMemory());
    to.setDisks(from.getDisks());
    to.setCdroms(from.getCdroms());
    to.setCpus(from.getCpus());
    to.setVcpus(from.getVcpus());
    to.setMigration(from.getMigration());
    to.setSidecarInstance(from.getSidecarInstance());
  }

  static QemuVMPhase phase(DesiredVm desired, Observation seen) {
    if (seen.pod().isEmpty()) {
      return desired.running() ? QemuVMPhase.Pending : QemuVMPhase.Stopped;
    }
    if (!desired.running() || seen.plan().restarting()) {
      return QemuVMPhase.Stopping;
    }
    if (seen.snapshot().isEmpty()) {
      Pod pod = seen.pod().get();
      if (!"Running".equals(pod.getStatus() == null ? null : pod.getStatus().getPhase())) {
        return "Failed".equals(pod.getStatus() == null ? null : pod.getStatus().getPhase())
            ? QemuVMPhase.Failed
            : QemuVMPhase.Pending;
      }
      return qemuContainerDown(pod).isPresent() ? QemuVMPhase.Failed : QemuVMPhase.Starting;
    }
    RunState state = RunState.fromWire(seen.snapshot().get().runState());
    return switch (state) {
      case RUNNING -> QemuVMPhase.Running;
      case PRELAUNCH -> desired.paused() ? QemuVMPhase.Paused : QemuVMPhase.Starting;
      case SHUTDOWN -> QemuVMPhase.Stopped;
      case INTERNAL_ERROR, IO_ERROR -> QemuVMPhase.Failed;
      case UNKNOWN ->
          "guest-panicked".equals(seen.snapshot().get().runState())
              ? QemuVMPhase.Failed
              : QemuVMPhase.Paused;
      default -> QemuVMPhase.Paused;
    };
  }

  /**
   * Why the pod failed as a whole, when it did (phase {@code Failed}: e.g. the kubelet refused it
   * at admission, {@code SysctlForbidden}, or evicted it): its reason and the kubelet's message.
   * Such a pod never starts again; nothing in it ran or will run.
   */
  public static Optional<String> podFailure(Pod pod) {
    if (pod.getStatus() == null || !"Failed".equals(pod.getStatus().getPhase())) {
      return Optional.empty();
    }
    String reason = pod.getStatus().getReason();
    String message = pod.getStatus().getMessage();
    return Optional.of(
        "the VM's pod failed"
            + (reason == null ? "" : " (" + reason + ")")
            + (message == null ? "" : ": " + message));
  }

  /**
   * Why the scheduler has not placed the pod, while it has not: its {@code PodScheduled}
   * condition's message, e.g. "0/1 nodes are available: 1 Insufficient cpu."
   */
  public static Optional<String> podUnschedulable(Pod pod) {
    if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
      return Optional.empty();
    }
    return pod.getStatus().getConditions().stream()
        .filter(c -> "PodScheduled".equals(c.getType()) && "False".equals(c.getStatus()))
        .filter(c -> "Unschedulable".equals(c.getReason()))
        .findFirst()
        .map(
            c ->
                "the VM's pod cannot be scheduled"
                    + (c.getMessage() == null ? "" : ": " + c.getMessage()));
  }

  /** The pod's own reason for failing, e.g. {@code SysctlForbidden}; {@code PodFailed} without. */
  private static String podFailureReason(Pod pod) {
    String reason = pod.getStatus().getReason();
    return reason == null || reason.isBlank() ? "PodFailed" : reason;
  }

  /** Why the pod's qemu container is not running, when it is not. */
  static Optional<String> qemuContainerDown(Pod pod) {
    if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
      return Optional.empty();
    }
    for (ContainerStatus container : pod.getStatus().getContainerStatuses()) {
      if (VmResources.QEMU_CONTAINER.equals(container.getName())
          && container.getState() != null
          && container.getState().getRunning() == null) {
        if (container.getState().getTerminated() != null) {
          var terminated = container.getState().getTerminated();
          return Optional.of(
              "QEMU exited with code "
                  + terminated.getExitCode()
                  + (terminated.getReason() == null ? "" : " (" + terminated.getReason() + ")")
                  + "; restarts so far: "
                  + container.getRestartCount());
        }
        if (container.getState().getWaiting() != null) {
          return Optional.of(
              "QEMU is not running: "
                  + container.getState().getWaiting().getReason()
                  + "; restarts so far: "
                  + container.getRestartCount());
        }
      }
    }
    return Optional.empty();
  }

  private static void sidecarCondition(Observation seen, ConditionWriter conditions) {
    if (seen.snapshot().isPresent()) {
      conditions.set(
          Conditions.SIDECAR_CONNECTED,
          true,
          "Connected",
          "the sidecar answers; QMP is negotiated with QEMU "
              + seen.snapshot().get().qemuVersion());
    } else if (seen.sidecarError().isPresent()) {
      SidecarException error = seen.sidecarError().get();
      String reason =
          switch (error.status()) {
            case 0 -> "SidecarUnreachable";
            case 401 -> "Unauthorized";
            case 503 -> "QemuNotConnected";
            case 504 -> "QmpTimeout";
            default -> "SidecarError";
          };
      conditions.set(Conditions.SIDECAR_CONNECTED, false, reason, error.getMessage());
    } else if (seen.pod().flatMap(StatusAggregator::podFailure).isPresent()) {
      conditions.set(
          Conditions.SIDECAR_CONNECTED,
          false,
          podFailureReason(seen.pod().get()),
          podFailure(seen.pod().get()).get());
    } else if (seen.pod().isPresent()) {
      conditions.set(
          Conditions.SIDECAR_CONNECTED, false, "PodNotRunning", "the VM's pod is not running yet");
    } else {
      conditions.remove(Conditions.SIDECAR_CONNECTED);
    }
  }

  private static void pausedCondition(Observation seen, ConditionWriter conditions) {
    if (seen.snapshot().isEmpty()) {
      conditions.remove(Conditions.PAUSED);
      return;
    }
    String runState = seen.snapshot().get().runState();
    boolean running = RunState.fromWire(runState) == RunState.RUNNING;
    conditions.set(
        Conditions.PAUSED,
        !running,
        running ? "Running" : reasonOf(runState),
        "QEMU's run state is " + runState);
  }

  /**
   * status.guest: the guest agent as the sidecar last heard it, on a VM whose pod follows one (its
   * sidecar runs with {@code --guest-agent}); {@code Unknown} with the last figures while the
   * sidecar is not reached; absent otherwise.
   */
  private static GuestStatus guest(QemuVM vm, Observation seen) {
    if (!followsGuestAgent(seen)) {
      return null;
    }
    Optional<GuestAgentState> heard = seen.snapshot().flatMap(VmSnapshot::guestAgent);
    var guest = new GuestStatus();
    if (heard.isEmpty()) {
      GuestStatus old = vm.getStatus() == null ? null : vm.getStatus().getGuest();
      if (old != null) {
        guest.setOs(old.getOs());
        guest.setOsName(old.getOsName());
        guest.setOsVersion(old.getOsVersion());
        guest.setKernel(old.getKernel());
        guest.setHostname(old.getHostname());
        guest.setAgentVersion(old.getAgentVersion());
      }
      guest.setAgent(GuestStatus.UNKNOWN);
      return guest;
    }
    GuestAgentState agent = heard.get();
    guest.setAgent(agent.answering() ? GuestStatus.ANSWERING : GuestStatus.NOT_ANSWERING);
    guest.setOs(agent.osPrettyName());
    guest.setOsName(agent.osName());
    guest.setOsVersion(agent.osVersion());
    guest.setKernel(agent.kernelRelease());
    guest.setHostname(agent.hostname());
    guest.setAgentVersion(agent.agentVersion());
    return guest;
  }

  /** The VM's pod has the guest agent's port and its sidecar follows the agent. */
  private static boolean followsGuestAgent(Observation seen) {
    return seen.pod()
        .flatMap(pod -> container(pod, VmResources.SIDECAR_CONTAINER))
        .map(c -> c.getArgs() != null && c.getArgs().contains(VmPod.GUEST_AGENT_FLAG))
        .orElse(false);
  }

  /** GuestReady False while QEMU does not run the guest, whatever would tell that it is up. */
  private static Optional<Boolean> guestNotRunning(QemuVMPhase phase, ConditionWriter conditions) {
    conditions.set(
        Conditions.GUEST_READY,
        false,
        "GuestNotRunning",
        "QEMU does not run the guest (phase " + phase.name() + ")");
    return Optional.of(false);
  }

  /**
   * GuestReady from the guest agent (a pod with the agent's port and no readiness probe): True
   * while the agent answers the sidecar's {@code guest-ping}.
   */
  private static Optional<Boolean> agentReadyCondition(
      QemuVMPhase phase, Observation seen, ConditionWriter conditions) {
    if (phase != QemuVMPhase.Running) {
      return guestNotRunning(phase, conditions);
    }
    Optional<GuestAgentState> heard = seen.snapshot().flatMap(VmSnapshot::guestAgent);
    boolean answers = heard.map(GuestAgentState::answering).orElse(false);
    conditions.set(
        Conditions.GUEST_READY,
        answers,
        answers ? "AgentAnswers" : "AgentNotAnswering",
        answers
            ? "the QEMU guest agent answers"
                + heard
                    .map(a -> a.osPrettyName() == null ? "" : " (" + a.osPrettyName() + ")")
                    .orElse("")
            : heard
                .map(
                    a ->
                        "the QEMU guest agent does not answer"
                            + (a.problem() == null ? "" : ": " + a.problem()))
                .orElse("the sidecar was not reached to ask the guest agent"));
    return Optional.of(answers);
  }

  /**
   * GuestReady, from the kubelet's readiness probe of the pod's qemu container (an HTTP GET on a
   * declared port of the guest, forwarded by QEMU): True while the probe succeeds and QEMU runs the
   * guest. Absent when the pod probes nothing. Returns the condition's value when present.
   */
  private static Optional<Boolean> guestReadyCondition(
      QemuVMPhase phase, Observation seen, ConditionWriter conditions) {
    Optional<Container> qemu =
        seen.pod().flatMap(pod -> container(pod, VmResources.QEMU_CONTAINER));
    if (qemu.isEmpty() || qemu.get().getReadinessProbe() == null) {
      if (followsGuestAgent(seen)) {
        return agentReadyCondition(phase, seen, conditions);
      }
      conditions.remove(Conditions.GUEST_READY);
      return Optional.empty();
    }
    var httpGet = qemu.get().getReadinessProbe().getHttpGet();
    String port =
        httpGet == null
            ? "?"
            : httpGet.getPort().getValue() + " (HTTP GET " + httpGet.getPath() + ")";
    if (phase != QemuVMPhase.Running) {
      return guestNotRunning(phase, conditions);
    }
    boolean answers =
        containerStatus(seen.pod().get(), VmResources.QEMU_CONTAINER)
            .map(status -> Boolean.TRUE.equals(status.getReady()))
            .orElse(false);
    conditions.set(
        Conditions.GUEST_READY,
        answers,
        answers ? "PortAnswers" : "NotAnswering",
        answers
            ? "the guest answers on port " + port + ", the kubelet's probe"
            : "the guest does not answer on port "
                + port
                + " (the kubelet's probe fails or has not passed yet)");
    return Optional.of(answers);
  }

  private static Optional<Container> container(Pod pod, String name) {
    return pod.getSpec() == null || pod.getSpec().getContainers() == null
        ? Optional.empty()
        : pod.getSpec().getContainers().stream().filter(c -> name.equals(c.getName())).findFirst();
  }

  private static Optional<ContainerStatus> containerStatus(Pod pod, String name) {
    return pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null
        ? Optional.empty()
        : pod.getStatus().getContainerStatuses().stream()
            .filter(c -> name.equals(c.getName()))
            .findFirst();
  }

  /** Which accelerator QEMU runs with (query-kvm): a VM under TCG is visible, never silent. */
  private static void acceleratedCondition(Observation seen, ConditionWriter conditions) {
    if (seen.snapshot().isEmpty()) {
      conditions.remove(Conditions.ACCELERATED);
      return;
    }
    VmSnapshot snapshot = seen.snapshot().get();
    if (snapshot.kvmEnabled()) {
      conditions.set(Conditions.ACCELERATED, true, "KVM", "QEMU runs with KVM");
      return;
    }
    conditions.set(
        Conditions.ACCELERATED,
        false,
        "TCG",
        snapshot.kvmPresent()
            ? "QEMU emulates the CPU in software (TCG): KVM is present but not used"
            : "QEMU emulates the CPU in software (TCG, many times slower than KVM): the node has no"
                + " usable KVM (no /dev/kvm, or a nested kvm_pvm that cannot run Linux guests)");
  }

  /**
   * Whether the VM's imported disks have their images, from the pod's init container; without a
   * pod, as last written (a stopped VM keeps its disks). While the import runs, how far each disk
   * is ({@code status.diskImports}, and the condition's message) from the importer's progress; when
   * the importer did not answer this pass, as last written.
   */
  private static void disksReadyCondition(
      QemuVM vm, Observation seen, ConditionWriter conditions, QemuVMStatus status) {
    if (seen.pod().isEmpty()) {
      conditions.remove(Conditions.DISKS_READY);
      if (vm.getStatus() != null) {
        conditions(vm.getStatus()).stream()
            .filter(c -> Conditions.DISKS_READY.equals(c.getType()))
            .findFirst()
            .ifPresent(conditions::keep);
      }
      return;
    }
    Optional<DiskImportState> state = DiskImportState.of(seen.pod().get());
    if (state.isEmpty()) {
      conditions.remove(Conditions.DISKS_READY);
      return;
    }
    Optional<String> podFailed = podFailure(seen.pod().get());
    if (podFailed.isPresent() && state.get().reason().equals(DiskImportState.IMPORTING)) {
      // the import will not run in this pod: no importer reports, nothing is importing
      conditions.set(
          Conditions.DISKS_READY,
          false,
          podFailureReason(seen.pod().get()),
          "no disk imported: " + podFailed.get());
      return;
    }
    String message = state.get().message();
    if (state.get().reason().equals(DiskImportState.IMPORTING)) {
      List<DiskImportStatus> progress =
          seen.importProgress()
              .map(DiskImportProgress::statuses)
              .orElseGet(() -> lastProgress(vm, seen.pod().get()));
      if (!progress.isEmpty()) {
        status.setDiskImports(progress);
        message = DiskImportProgress.message(progress);
      }
    }
    conditions.set(Conditions.DISKS_READY, state.get().done(), state.get().reason(), message);
  }

  /**
   * The progress last written, while the importer that reported it still runs (a pass that could
   * not read it changes nothing); empty otherwise.
   */
  private static List<DiskImportStatus> lastProgress(QemuVM vm, Pod pod) {
    if (vm.getStatus() == null
        || vm.getStatus().getDiskImports() == null
        || !DiskImportState.importerRunning(pod)) {
      return List.of();
    }
    return vm.getStatus().getDiskImports();
  }

  /** True when nothing of the spec is left to apply. */
  private static boolean syncedCondition(Observation seen, ConditionWriter conditions) {
    if (seen.failed().isPresent()) {
      var failed = seen.failed().get();
      conditions.set(
          Conditions.SYNCED,
          false,
          "QmpError",
          failed.action().command()
              + " failed: "
              + failed.error().errorClass()
              + ": "
              + failed.error().desc());
      return false;
    }
    if (seen.plan().restarting()) {
      conditions.set(
          Conditions.SYNCED,
          false,
          "Restarting",
          "the VM restarts (graceful power-down, then a new QEMU) to apply: "
              + seen.plan().restart().get().describe());
      return false;
    }
    if (!seen.plan().blockers().isEmpty()) {
      conditions.set(
          Conditions.SYNCED,
          false,
          seen.plan().blockers().get(0).reason(),
          seen.plan().blockers().stream().map(Blocker::message).collect(Collectors.joining("; ")));
      return false;
    }
    if (seen.snapshot().isEmpty()) {
      conditions.set(
          Conditions.SYNCED,
          false,
          "NotObserved",
          "QEMU's state could not be read through the sidecar");
      return false;
    }
    if (!seen.plan().actions().isEmpty()
        && seen.plan().actions().stream()
            .allMatch(a -> a instanceof io.qemuoperator.operator.plan.QmpAction.SystemPowerdown)) {
      conditions.set(
          Conditions.SYNCED,
          false,
          "Stopping",
          "the guest was asked to power down; waiting for it");
      return false;
    }
    if (seen.plan().recheckAfter().isPresent() && seen.done().isEmpty()) {
      conditions.set(
          Conditions.SYNCED, false, "Waiting", "waiting for QEMU to leave a passing state");
      return false;
    }
    // The same whether this pass acted or not: what was applied is in the Events, and a reason
    // that changed from Applied to InSync at the next pass cost a status write nobody needed.
    conditions.set(Conditions.SYNCED, true, "InSync", "QEMU is as the spec declares");
    return true;
  }

  private static String notReadyReason(QemuVMPhase phase, Observation seen) {
    if (seen.pod().flatMap(StatusAggregator::podFailure).isPresent()) {
      return podFailureReason(seen.pod().get());
    }
    if (seen.pod().flatMap(StatusAggregator::podUnschedulable).isPresent()) {
      return "Unschedulable";
    }
    Optional<DiskImportState> disks = seen.pod().flatMap(DiskImportState::of);
    if (disks.isPresent() && !disks.get().done()) {
      return disks.get().reason();
    }
    if (phase == QemuVMPhase.Failed && seen.pod().isPresent()) {
      return qemuContainerDown(seen.pod().get()).isPresent() ? "QemuNotRunning" : "Failed";
    }
    return phase.name();
  }

  private static String notReadyMessage(QemuVMPhase phase, Observation seen) {
    Optional<String> podFailed = seen.pod().flatMap(StatusAggregator::podFailure);
    if (podFailed.isPresent()) {
      return podFailed.get();
    }
    Optional<String> unschedulable = seen.pod().flatMap(StatusAggregator::podUnschedulable);
    if (unschedulable.isPresent()) {
      return unschedulable.get();
    }
    Optional<DiskImportState> disks = seen.pod().flatMap(DiskImportState::of);
    if (disks.isPresent() && !disks.get().done()) {
      return (disks.get().failed() ? "a disk's import failed, nothing boots: " : "")
          + disks.get().message();
    }
    if (seen.pod().isPresent()) {
      Optional<String> down = qemuContainerDown(seen.pod().get());
      if (down.isPresent()) {
        return down.get();
      }
    }
    return switch (phase) {
      case Pending -> "the VM's pod is being created and scheduled";
      case Starting -> "QEMU and the sidecar are starting";
      case Stopping -> "the VM is being stopped";
      case Stopped -> "the VM is stopped";
      default -> "the VM is " + phase.name().toLowerCase() + "; see the Synced condition";
    };
  }

  private static String reasonOf(String runState) {
    var reason = new StringBuilder();
    for (String word : runState.split("-")) {
      if (!word.isEmpty()) {
        reason.append(Character.toUpperCase(word.charAt(0))).append(word.substring(1));
      }
    }
    return reason.isEmpty() ? "Unknown" : reason.toString();
  }

  /** Keeps each condition's transition time while its status stays the same. */
  private static final class ConditionWriter {
    private final List<Condition> previous;
    private final long generation;
    private final Instant now;
    private final List<Condition> written = new ArrayList<>();

    ConditionWriter(List<Condition> previous, long generation, Instant now) {
      this.previous = previous;
      this.generation = generation;
      this.now = now.truncatedTo(ChronoUnit.SECONDS);
    }

    void set(String type, boolean value, String reason, String message) {
      setAt(type, value, reason, message, null);
    }

    void setAt(String type, boolean value, String reason, String message, Instant at) {
      remove(type);
      String status = value ? Condition.TRUE : Condition.FALSE;
      String since =
          at != null
              ? at.truncatedTo(ChronoUnit.SECONDS).toString()
              : previous.stream()
                  .filter(c -> type.equals(c.getType()) && status.equals(c.getStatus()))
                  .map(Condition::getLastTransitionTime)
                  .findFirst()
                  .orElse(now.toString());
      written.add(new Condition(type, status, reason, message, since, generation));
    }

    void remove(String type) {
      written.removeIf(c -> c.getType().equals(type));
    }

    /** A condition carried over unchanged. */
    void keep(Condition condition) {
      remove(condition.getType());
      written.add(condition);
    }

    List<Condition> all() {
      return List.copyOf(written);
    }

    /** The reason of a condition written this pass. */
    Optional<String> reasonOf(String type) {
      return written.stream()
          .filter(c -> type.equals(c.getType()))
          .map(Condition::getReason)
          .findFirst();
    }
  }
}
