package io.qemuoperator.operator.migration;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.MaxReconciliationInterval;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.api.v1alpha1.QemuVMMigration;
import io.qemuoperator.api.v1alpha1.spec.MigrationPolicy;
import io.qemuoperator.api.v1alpha1.status.IntentStatus;
import io.qemuoperator.api.v1alpha1.status.MigrationPhase;
import io.qemuoperator.api.v1alpha1.status.MigrationProgress;
import io.qemuoperator.api.v1alpha1.status.QemuVMMigrationStatus;
import io.qemuoperator.operator.OperatorConfig;
import io.qemuoperator.operator.plan.Quantities;
import io.qemuoperator.operator.plan.SpecReader;
import io.qemuoperator.operator.pod.TokenSecret;
import io.qemuoperator.operator.pod.VmResources;
import io.qemuoperator.operator.reconcile.EventCounts;
import io.qemuoperator.operator.reconcile.VmEvents;
import io.qemuoperator.operator.sidecar.Sidecar;
import io.qemuoperator.operator.sidecar.SidecarEndpoint;
import io.qemuoperator.operator.sidecar.SidecarException;
import io.qemuoperator.operator.sidecar.VmSnapshot;
import io.qemuoperator.qmp.types.MigrateSetDowntimeArguments;
import io.qemuoperator.qmp.types.MigrateSetSpeedArguments;
import io.qemuoperator.sidecar.api.IncomingMigration;
import io.qemuoperator.sidecar.api.MigrationInfo;
import io.qemuoperator.sidecar.api.OutgoingMigration;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out one QemuVMMigration, a phase per step, each step safe to run again: a restarted
 * operator reads the phase, the pods and the intent from the request's status and QEMU's own {@code
 * query-migrate}, and finishes or cleans up what it started.
 *
 * <ol>
 *   <li>{@code Pending} → refuse what cannot migrate (no such VM, not running, another migration of
 *       it running); record the plan; create the target pod ({@link MigrationTargetPod}).
 *   <li>{@code TargetStarting} → once the target's QEMU waits ({@code inmigrate}): the target
 *       listens, then the source sends ({@code events}, {@code return-path}, the VM's bandwidth cap
 *       and tolerated downtime; with StopAndCopy the source paused first).
 *   <li>{@code Transferring} → QEMU's figures into status every second; the spec's bandwidth and
 *       downtime applied live when they change; cancelled at the deadline or when the target pod is
 *       lost.
 *   <li>{@code HandingOver} → the target runs (continued if the migration paused the guest); the
 *       source QEMU quits and its pod is removed; the VM's recorded intent moves to the new QEMU
 *       (which got the balloon target and link state with the device state: nothing is sent again);
 *       the target pod becomes the VM's pod.
 * </ol>
 *
 * On failure or cancel (the request deleted, its deadline, QEMU's error) the source runs on
 * (continued if the migration paused it, or if QEMU left it {@code postmigrate}) and the target pod
 * is removed; an Event on the VM and on the request says why. While a request is not final, the
 * QemuVM's own reconciler leaves the VM alone.
 */
@ControllerConfiguration(
    name = QemuVMMigrationReconciler.NAME,
    maxReconciliationInterval =
        @MaxReconciliationInterval(interval = 1, timeUnit = TimeUnit.MINUTES))
public final class QemuVMMigrationReconciler
    implements Reconciler<QemuVMMigration>, Cleaner<QemuVMMigration> {
  public static final String NAME = "qemuvmmigration";
  private static final Logger log = LoggerFactory.getLogger(QemuVMMigrationReconciler.class);

  /** The port the target QEMU listens on for the migration stream, on the target pod's address. */
  public static final int MIGRATION_PORT = 49152;

  static final Duration STARTING_POLL = Duration.ofMillis(500);
  static final Duration TRANSFER_POLL = Duration.ofSeconds(1);

  /**
   * How often a StopAndCopy transfer is looked at: the guest stands still until the hand-over, so
   * the poll's delay is the guest's.
   */
  static final Duration PAUSED_TRANSFER_POLL = Duration.ofMillis(100);

  static final Duration HAND_OVER_POLL = Duration.ofMillis(200);

  /** How long a cancel may take to settle before the pass looks again (QEMU: ~10 ms). */
  static final Duration CANCEL_SETTLE = Duration.ofSeconds(5);

  private final OperatorConfig config;
  private final Sidecar sidecar;
  private final Clock clock;
  private final EventCounts eventCounts = new EventCounts();
  private final MigrationCertificates certificates =
      new MigrationCertificates(new java.security.SecureRandom());

  public QemuVMMigrationReconciler(OperatorConfig config, Sidecar sidecar, Clock clock) {
    this.config = config;
    this.sidecar = sidecar;
    this.clock = clock;
  }

  @Override
  public UpdateControl<QemuVMMigration> reconcile(
      QemuVMMigration cached, Context<QemuVMMigration> context) {
    var request = Request.read(context.getClient(), cached);
    if (request.isEmpty() || request.get().phase().isFinal()) {
      return UpdateControl.noUpdate();
    }
    Optional<Duration> again = step(request.get());
    UpdateControl<QemuVMMigration> control = UpdateControl.noUpdate();
    return again.map(control::rescheduleAfter).orElse(control);
  }

  /** Deleting a request that runs cancels it; one handing over is finished first. */
  @Override
  public DeleteControl cleanup(QemuVMMigration cached, Context<QemuVMMigration> context) {
    var found = Request.read(context.getClient(), cached);
    if (found.isEmpty()) {
      return DeleteControl.defaultDelete();
    }
    Request request = found.get();
    switch (request.phase()) {
      case Pending, Completed, Failed, Cancelled, Refused -> {
        return DeleteControl.defaultDelete();
      }
      case HandingOver -> {
        Optional<Duration> again = handOver(request, vm(request));
        return again.isEmpty() || request.phase().isFinal()
            ? DeleteControl.defaultDelete()
            : DeleteControl.noFinalizerRemoval().rescheduleAfter(again.get().toMillis());
      }
      case TargetStarting, Transferring -> {
        Optional<Duration> again =
            abort(
                request,
                vm(request),
                MigrationPhase.Cancelled,
                "RequestDeleted",
                "the QemuVMMigration was deleted");
        return request.phase().isFinal()
            ? DeleteControl.defaultDelete()
            : DeleteControl.noFinalizerRemoval()
                .rescheduleAfter(again.orElse(STARTING_POLL).toMillis());
      }
    }
    return DeleteControl.defaultDelete();
  }

  private Optional<Duration> step(Request request) {
    Optional<QemuVM> vm = vm(request);
    return switch (request.phase()) {
      case Pending -> start(request, vm);
      case TargetStarting -> startTransfer(request, vm);
      case Transferring -> followTransfer(request, vm);
      case HandingOver -> handOver(request, vm);
      case Completed, Failed, Cancelled, Refused -> Optional.empty();
    };
  }

  private Optional<QemuVM> vm(Request request) {
    return Optional.ofNullable(
        request
            .client()
            .resources(QemuVM.class)
            .inNamespace(request.namespace())
            .withName(request.vmName())
            .get());
  }

  // ---- Pending: refuse, or plan and create the target pod ----

  private Optional<Duration> start(Request request, Optional<QemuVM> found) {
    if (found.isEmpty()) {
      return refuse(request, "VmNotFound", "there is no QemuVM " + request.vmName());
    }
    QemuVM vm = found.get();
    if (vm.isMarkedForDeletion()) {
      return refuse(request, "VmDeleting", "the QemuVM is being deleted");
    }
    if (!SpecReader.desiredOrDefaults(vm).running()) {
      return refuse(request, "VmNotRunning", "the QemuVM's spec.running is false");
    }
    Optional<QemuVMMigration> other = otherActive(request);
    if (other.isPresent()) {
      return refuse(
          request,
          "MigrationActive",
          "QemuVMMigration "
              + other.get().getMetadata().getName()
              + " is already migrating this VM; one migration at a time");
    }
    Optional<Pod> source = MigrationPods.vmPod(request.client(), vm);
    Optional<SidecarEndpoint> endpoint = source.flatMap(p -> endpoint(request, p));
    if (endpoint.isEmpty()) {
      return refuse(request, "VmNotRunning", "the VM's pod is not running");
    }
    String runState;
    try {
      runState = sidecar.state(endpoint.get()).runState();
    } catch (SidecarException e) {
      return refuse(
          request, "SidecarUnreachable", "the VM's sidecar did not answer: " + e.getMessage());
    }
    if (!runState.equals("running") && !runState.equals("paused")) {
      return refuse(
          request,
          "VmNotRunning",
          "QEMU is in run state '" + runState + "'; only a running or paused guest migrates");
    }
    MigrationTuning tuning = MigrationTuning.of(vm);
    Optional<String> singlePodClaim =
        MigrationClaims.withMode(request.client(), vm, "ReadWriteOncePod");
    if (singlePodClaim.isPresent()) {
      return refuse(
          request,
          "DiskNotShareable",
          "claim "
              + singlePodClaim.get()
              + " is ReadWriteOncePod: the target pod cannot open it while the source runs, and"
              + " copying a disk during the migration is not supported");
    }
    if (tuning.policy() == MigrationPolicy.PreCopy && !MigrationTuning.underKvm(vm)) {
      events(request)
          .warning(
              vm,
              "PreCopyUnderTcg",
              "QemuVMMigration "
                  + request.name()
                  + ": spec.migration.policy PreCopy for a guest running under TCG; QEMU 7.2 has"
                  + " corrupted such guests (see the README): StopAndCopy (or Auto) is safe");
    }
    Optional<String> nodeLocalClaim = MigrationClaims.readWriteOnce(request.client(), vm);
    Pod target =
        MigrationTargetPod.of(source.get(), request.migration(), nodeLocalClaim.isPresent());
    Instant now = clock.instant();
    request.write(
        request
            .status()
            .setPhase(MigrationPhase.TargetStarting)
            .setReason("TargetStarting")
            .setMessage(
                "starting pod "
                    + target.getMetadata().getName()
                    + nodeLocalClaim
                        .map(
                            claim -> " on the source's node (claim " + claim + " is ReadWriteOnce)")
                        .orElse(" away from the source's node when another one fits"))
            .setSourcePod(source.get().getMetadata().getName())
            .setSourceNode(source.get().getSpec().getNodeName())
            .setTargetPod(target.getMetadata().getName())
            .setPolicy(tuning.policy().name())
            .setAutoConverge(tuning.autoConverge())
            .setDeadline(now.plus(tuning.completionTimeout()).toString()));
    createTls(request, tuning);
    request.createIfAbsent(target);
    events(request)
        .normal(
            vm,
            "MigrationStarted",
            "QemuVMMigration "
                + request.name()
                + ": moving the guest from pod "
                + source.get().getMetadata().getName()
                + " to pod "
                + target.getMetadata().getName()
                + " over TLS ("
                + tuning.policy()
                + ", cap "
                + Quantities.format(tuning.maxBandwidth())
                + "/s, downtime "
                + tuning.maxDowntimeMs()
                + " ms)");
    return Optional.of(STARTING_POLL);
  }

  private Optional<Duration> refuse(Request request, String reason, String message) {
    request.write(
        request
            .status()
            .setPhase(MigrationPhase.Refused)
            .setReason(reason)
            .setMessage(message)
            .setCompletionTime(clock.instant().toString()));
    events(request).warning(request.migration(), reason, message);
    log.info("{}/{}: refused: {}", request.namespace(), request.name(), message);
    return Optional.empty();
  }

  /**
   * The migration's own certificates, in a Secret the request owns (kept while it runs: a restarted
   * operator hands the sidecars the same ones); valid an hour beyond the migration's deadline.
   */
  private void createTls(Request request, MigrationTuning tuning) {
    var issued =
        certificates.issue(
            request.status().getTargetPod(),
            clock.instant(),
            tuning.completionTimeout().plus(Duration.ofHours(1)));
    MigrationTlsSecret.create(request, issued);
  }

  /** Another request for the same VM that is not final and came first. */
  private static Optional<QemuVMMigration> otherActive(Request request) {
    return request
        .client()
        .resources(QemuVMMigration.class)
        .inNamespace(request.namespace())
        .list()
        .getItems()
        .stream()
        .filter(m -> !m.getMetadata().getUid().equals(request.migration().getMetadata().getUid()))
        .filter(m -> request.vmName().equals(m.getSpec().getVmName()))
        .filter(
            m ->
                m.getStatus() == null
                    ? isOlder(m, request.migration())
                    : m.getStatus().getPhase() != null
                        && !m.getStatus().getPhase().isFinal()
                        && m.getStatus().getPhase() != MigrationPhase.Pending)
        .findFirst();
  }

  private static boolean isOlder(QemuVMMigration a, QemuVMMigration b) {
    String first = a.getMetadata().getCreationTimestamp();
    String second = b.getMetadata().getCreationTimestamp();
    int byTime = first == null || second == null ? 0 : first.compareTo(second);
    return byTime < 0
        || (byTime == 0 && a.getMetadata().getName().compareTo(b.getMetadata().getName()) < 0);
  }

  // ---- TargetStarting: wait for the target's QEMU, then start the transfer ----

  private Optional<Duration> startTransfer(Request request, Optional<QemuVM> vm) {
    if (vm.isEmpty()) {
      return abort(request, vm, MigrationPhase.Failed, "VmNotFound", "the QemuVM is gone");
    }
    if (pastDeadline(request)) {
      return abort(
          request,
          vm,
          MigrationPhase.Cancelled,
          "DeadlineExceeded",
          "the target pod did not start before the deadline " + request.status().getDeadline());
    }
    Pod target = MigrationPods.pod(request, request.status().getTargetPod()).orElse(null);
    if (target == null) {
      Optional<Pod> source = MigrationPods.pod(request, request.status().getSourcePod());
      if (source.isEmpty()) {
        return abort(request, vm, MigrationPhase.Failed, "SourceLost", "the VM's pod is gone");
      }
      request.createIfAbsent(
          MigrationTargetPod.of(
              source.get(),
              request.migration(),
              MigrationClaims.readWriteOnce(request.client(), vm.get()).isPresent()));
      return Optional.of(STARTING_POLL);
    }
    Optional<String> failed = MigrationPods.failure(target);
    if (failed.isPresent()) {
      return abort(request, vm, MigrationPhase.Failed, "TargetFailed", failed.get());
    }
    Optional<SidecarEndpoint> targetEndpoint = endpoint(request, target);
    if (targetEndpoint.isEmpty()) {
      // waits until the deadline; status says why when the scheduler has found no node
      MigrationPods.unschedulable(target)
          .filter(
              why ->
                  !("TargetUnschedulable".equals(request.status().getReason())
                      && why.equals(request.status().getMessage())))
          .ifPresent(
              why ->
                  request.write(request.status().setReason("TargetUnschedulable").setMessage(why)));
      return Optional.of(STARTING_POLL);
    }
    String targetState;
    try {
      targetState = sidecar.state(targetEndpoint.get()).runState();
    } catch (SidecarException e) {
      return Optional.of(STARTING_POLL); // QEMU or the sidecar still starting
    }
    if (!targetState.equals("inmigrate")) {
      return abort(
          request,
          vm,
          MigrationPhase.Failed,
          "TargetNotIncoming",
          "the target's QEMU is in run state '" + targetState + "', not waiting for the guest");
    }
    Optional<SidecarEndpoint> sourceEndpoint =
        MigrationPods.pod(request, request.status().getSourcePod())
            .flatMap(p -> endpoint(request, p));
    if (sourceEndpoint.isEmpty()) {
      return abort(request, vm, MigrationPhase.Failed, "SourceLost", "the VM's pod is not running");
    }
    Optional<MigrationCertificates.Issued> tls = MigrationTlsSecret.read(request);
    if (tls.isEmpty()) {
      createTls(request, MigrationTuning.of(vm.get()));
      return Optional.of(STARTING_POLL);
    }
    String sourceState;
    try {
      sourceState = sidecar.state(sourceEndpoint.get()).runState();
      sidecar.migrateIncoming(
          targetEndpoint.get(),
          new IncomingMigration(
              target.getStatus().getPodIP(), MIGRATION_PORT, tls.get().incoming()));
    } catch (SidecarException e) {
      return abort(request, vm, MigrationPhase.Failed, "IncomingRefused", e.getMessage());
    }
    MigrationTuning tuning = MigrationTuning.of(vm.get());
    boolean pauseFirst =
        MigrationPolicy.StopAndCopy.name().equals(request.status().getPolicy())
            && sourceState.equals("running");
    // intent before the irreversible step: a restarted operator knows the source was paused by us
    request.write(
        request
            .status()
            .setPhase(MigrationPhase.Transferring)
            .setReason("Transferring")
            .setMessage(
                "sending the guest to pod "
                    + target.getMetadata().getName()
                    + (pauseFirst ? " (guest paused: StopAndCopy)" : ""))
            .setTargetNode(target.getSpec().getNodeName())
            .setSourcePaused(pauseFirst)
            .setMaxBandwidth(tuning.maxBandwidth())
            .setMaxDowntimeMs(tuning.maxDowntimeMs())
            .setStartTime(clock.instant().toString()));
    return send(request, vm, sourceEndpoint.get(), target, tuning);
  }

  private Optional<Duration> send(
      Request request,
      Optional<QemuVM> vm,
      SidecarEndpoint source,
      Pod target,
      MigrationTuning tuning) {
    Optional<MigrationCertificates.Issued> tls = MigrationTlsSecret.read(request);
    if (tls.isEmpty()) {
      return abort(
          request,
          vm,
          MigrationPhase.Failed,
          "TlsSecretLost",
          "the Secret " + MigrationTlsSecret.name(request.migration()) + " is gone");
    }
    try {
      MigrationInfo info =
          sidecar.migrateOutgoing(
              source,
              new OutgoingMigration(
                  target.getStatus().getPodIP(),
                  MIGRATION_PORT,
                  request.status().getMaxBandwidth(),
                  request.status().getMaxDowntimeMs(),
                  Boolean.TRUE.equals(request.status().getAutoConverge()),
                  Boolean.TRUE.equals(request.status().getSourcePaused()),
                  tls.get().outgoing()));
      request.write(request.status().setProgress(MigrationFigures.progress(info)));
    } catch (SidecarException e) {
      return abort(
          request,
          vm,
          MigrationPhase.Failed,
          "MigrateRefused",
          "QEMU refused to migrate: " + e.getMessage());
    }
    log.info(
        "{}/{}: transfer to {} began ({}, cap {} B/s)",
        request.namespace(),
        request.name(),
        target.getMetadata().getName(),
        request.status().getPolicy(),
        tuning.maxBandwidth());
    return Optional.of(transferPoll(request));
  }

  // ---- Transferring: progress, live tuning, deadline, the end ----

  private static Duration transferPoll(Request request) {
    return Boolean.TRUE.equals(request.status().getSourcePaused())
        ? PAUSED_TRANSFER_POLL
        : TRANSFER_POLL;
  }

  private Optional<Duration> followTransfer(Request request, Optional<QemuVM> vm) {
    Optional<Pod> sourcePod = MigrationPods.pod(request, request.status().getSourcePod());
    Optional<SidecarEndpoint> source = sourcePod.flatMap(p -> endpoint(request, p));
    if (source.isEmpty()) {
      return abort(request, vm, MigrationPhase.Failed, "SourceLost", "the VM's pod is not running");
    }
    MigrationInfo info;
    try {
      info = sidecar.migration(source.get());
    } catch (SidecarException e) {
      log.debug("{}/{}: migration not readable: {}", request.namespace(), request.name(), e);
      return Optional.of(TRANSFER_POLL);
    }
    Optional<Pod> target = MigrationPods.pod(request, request.status().getTargetPod());
    switch (info.status()) {
      case MigrationInfo.COMPLETED -> {
        return completed(request, vm, info, "QEMU completed; the target takes over");
      }
      case MigrationInfo.FAILED -> {
        return abort(
            request,
            vm,
            MigrationPhase.Failed,
            "MigrationFailed",
            "QEMU: " + (info.errorDesc() == null ? "the migration failed" : info.errorDesc()));
      }
      case MigrationInfo.CANCELLED -> {
        return abort(
            request, vm, MigrationPhase.Cancelled, "MigrationCancelled", "QEMU cancelled it");
      }
      case MigrationInfo.NONE -> {
        // the operator stopped between recording the transfer and sending it: send it now
        if (target.isEmpty() || vm.isEmpty()) {
          return abort(request, vm, MigrationPhase.Failed, "TargetLost", "the target pod is gone");
        }
        return send(request, vm, source.get(), target.get(), MigrationTuning.of(vm.get()));
      }
      default -> {}
    }
    if (pastDeadline(request)) {
      return abort(
          request,
          vm,
          MigrationPhase.Cancelled,
          "DeadlineExceeded",
          "not completed before the deadline "
              + request.status().getDeadline()
              + " (spec.migration.completionTimeout): "
              + MigrationFigures.describe(info));
    }
    if (target.isEmpty() || MigrationPods.failure(target.get()).isPresent()) {
      return abort(
          request,
          vm,
          MigrationPhase.Failed,
          "TargetLost",
          "the target pod "
              + target.flatMap(MigrationPods::failure).orElse("is gone")
              + " during the transfer");
    }
    vm.ifPresent(found -> tuneLive(request, found, source.get()));
    MigrationProgress progress = MigrationFigures.progress(info);
    if (!progress.equals(request.status().getProgress())) {
      request.write(request.status().setProgress(progress));
    }
    return Optional.of(transferPoll(request));
  }

  /** The spec's bandwidth cap and tolerated downtime, applied to the running migration. */
  private void tuneLive(Request request, QemuVM vm, SidecarEndpoint source) {
    MigrationTuning tuning = MigrationTuning.of(vm);
    QemuVMMigrationStatus status = request.status();
    try {
      if (status.getMaxBandwidth() == null || tuning.maxBandwidth() != status.getMaxBandwidth()) {
        sidecar.command(
            source, "migrate_set_speed", new MigrateSetSpeedArguments(tuning.maxBandwidth()));
        status.setMaxBandwidth(tuning.maxBandwidth());
        events(request)
            .normal(
                vm,
                "MigrationTuned",
                "QemuVMMigration "
                    + request.name()
                    + ": bandwidth cap "
                    + Quantities.format(tuning.maxBandwidth())
                    + "/s applied to the running migration");
      }
      if (status.getMaxDowntimeMs() == null
          || tuning.maxDowntimeMs() != status.getMaxDowntimeMs()) {
        sidecar.command(
            source,
            "migrate_set_downtime",
            new MigrateSetDowntimeArguments(tuning.maxDowntimeMs() / 1000.0));
        status.setMaxDowntimeMs(tuning.maxDowntimeMs());
        events(request)
            .normal(
                vm,
                "MigrationTuned",
                "QemuVMMigration "
                    + request.name()
                    + ": tolerated downtime "
                    + tuning.maxDowntimeMs()
                    + " ms applied to the running migration");
      }
    } catch (SidecarException e) {
      events(request).warning(vm, "QmpError", "live migration tuning failed: " + e.getMessage());
    }
  }

  // ---- HandingOver: the target runs, the source goes ----

  /** QEMU completed: its final figures recorded, the hand-over begins. */
  private Optional<Duration> completed(
      Request request, Optional<QemuVM> vm, MigrationInfo info, String message) {
    request.write(
        request
            .status()
            .setPhase(MigrationPhase.HandingOver)
            .setReason("HandingOver")
            .setMessage(message)
            .setProgress(MigrationFigures.progress(info))
            .setDowntimeMs(info.downtimeMs())
            .setTotalTimeMs(info.totalTimeMs()));
    return handOver(request, vm);
  }

  private Optional<Duration> handOver(Request request, Optional<QemuVM> vm) {
    Optional<Pod> target = MigrationPods.pod(request, request.status().getTargetPod());
    Optional<SidecarEndpoint> targetEndpoint = target.flatMap(p -> endpoint(request, p));
    if (target.isEmpty() || MigrationPods.failure(target.get()).isPresent()) {
      // completed, then lost: the guest's only copy is the source's, paused in postmigrate
      return abort(
          request,
          vm,
          MigrationPhase.Failed,
          "TargetLost",
          "the target pod was lost right after the transfer; the source runs on");
    }
    if (targetEndpoint.isEmpty()) {
      return Optional.of(HAND_OVER_POLL);
    }
    VmSnapshot targetState;
    try {
      targetState = sidecar.state(targetEndpoint.get());
      if (targetState.runState().equals("inmigrate")) {
        return Optional.of(HAND_OVER_POLL); // still loading the device state
      }
      if (targetState.runState().equals("paused")
          && Boolean.TRUE.equals(request.status().getSourcePaused())) {
        sidecar.command(targetEndpoint.get(), "cont", null);
        targetState = targetState.withRunState("running");
        request
            .status()
            .setGuestPausedMs(
                Duration.between(Instant.parse(request.status().getStartTime()), clock.instant())
                    .toMillis());
      }
    } catch (SidecarException e) {
      return Optional.of(HAND_OVER_POLL);
    }
    Optional<Pod> source = MigrationPods.pod(request, request.status().getSourcePod());
    source
        .flatMap(p -> endpoint(request, p))
        .ifPresent(
            endpoint -> {
              try {
                sidecar.command(endpoint, "quit", null);
              } catch (SidecarException e) {
                log.debug("{}: quit of the source: {}", request.name(), e.getMessage());
              }
            });
    source.ifPresent(p -> request.client().resource(p).delete());
    if (vm.isPresent()) {
      recordNewQemu(request, vm.get(), targetState.qemuIdentity());
      MigrationPods.adopt(request, target.get(), vm.get());
    }
    MigrationTlsSecret.delete(request);
    Instant now = clock.instant();
    request.write(
        request
            .status()
            .setPhase(MigrationPhase.Completed)
            .setReason("Completed")
            .setMessage(
                "the guest runs in pod "
                    + target.get().getMetadata().getName()
                    + " (downtime "
                    + request.status().getDowntimeMs()
                    + " ms, transfer "
                    + request.status().getTotalTimeMs()
                    + " ms)")
            .setSourcePaused(false)
            .setCompletionTime(now.toString()));
    String message =
        "QemuVMMigration "
            + request.name()
            + ": the guest moved from pod "
            + request.status().getSourcePod()
            + " to pod "
            + target.get().getMetadata().getName()
            + " in "
            + request.status().getTotalTimeMs()
            + " ms, downtime "
            + request.status().getDowntimeMs()
            + " ms ("
            + request.status().getPolicy()
            + ")";
    vm.ifPresent(found -> events(request).normal(found, "Migrated", message));
    events(request).normal(request.migration(), "Migrated", message);
    log.info("{}/{}: {}", request.namespace(), request.name(), message);
    return Optional.empty();
  }

  /**
   * The VM's intent now belongs to the new QEMU: the balloon target and the link state came with
   * the device state, so nothing is sent to it again.
   */
  private static void recordNewQemu(Request request, QemuVM vm, String qemu) {
    request
        .client()
        .resources(QemuVM.class)
        .inNamespace(request.namespace())
        .withName(vm.getMetadata().getName())
        .editStatus(
            current -> {
              QemuVM copy = io.fabric8.kubernetes.client.utils.Serialization.clone(current);
              if (copy.getStatus() != null) {
                IntentStatus intent =
                    copy.getStatus().getIntent() == null
                        ? new IntentStatus()
                        : copy.getStatus().getIntent();
                intent.setQemu(qemu);
                copy.getStatus().setIntent(intent);
              }
              return copy;
            });
  }

  // ---- Failed or cancelled: the source runs on, the target goes ----

  private Optional<Duration> abort(
      Request request, Optional<QemuVM> vm, MigrationPhase phase, String reason, String message) {
    Optional<SidecarEndpoint> source =
        MigrationPods.pod(request, request.status().getSourcePod())
            .flatMap(p -> endpoint(request, p));
    if (source.isPresent()) {
      try {
        MigrationInfo info = settle(source.get());
        if (MigrationInfo.COMPLETED.equals(info.status())
            && request.phase() == MigrationPhase.Transferring
            && MigrationPods.pod(request, request.status().getTargetPod())
                .flatMap(p -> endpoint(request, p))
                .isPresent()) {
          // it completed as it was being cancelled: the target has the guest now
          return completed(
              request, vm, info, "QEMU completed before the cancel; the target takes over");
        }
        if (!info.finished()) {
          return Optional.of(STARTING_POLL); // still cancelling
        }
        resumeSource(request, vm, source.get());
      } catch (SidecarException e) {
        log.info(
            "{}/{}: source not reachable while aborting: {}",
            request.namespace(),
            request.name(),
            e.getMessage());
      }
    }
    MigrationPods.pod(request, request.status().getTargetPod())
        .filter(p -> !MigrationPods.isOwnedBy(p, vm))
        .ifPresent(p -> request.client().resource(p).delete());
    MigrationTlsSecret.delete(request);
    request.write(
        request
            .status()
            .setPhase(phase)
            .setReason(reason)
            .setMessage(message + "; the guest runs on in pod " + request.status().getSourcePod())
            .setSourcePaused(false)
            .setCompletionTime(clock.instant().toString()));
    String text = "QemuVMMigration " + request.name() + " " + phase + ": " + message;
    vm.ifPresent(found -> events(request).warning(found, "Migration" + phase, text));
    events(request).warning(request.migration(), reason, message);
    log.info("{}/{}: {}", request.namespace(), request.name(), text);
    return Optional.empty();
  }

  /** Cancels a migration still running on the source and waits briefly for QEMU to settle. */
  private MigrationInfo settle(SidecarEndpoint source) throws SidecarException {
    MigrationInfo info = sidecar.migration(source);
    if (info.finished()) {
      return info;
    }
    sidecar.cancelMigration(source);
    Instant until = clock.instant().plus(CANCEL_SETTLE);
    while (!info.finished() && clock.instant().isBefore(until)) {
      try {
        TimeUnit.MILLISECONDS.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return info;
      }
      info = sidecar.migration(source);
    }
    return info;
  }

  /**
   * The source guest runs again when the migration stopped it: paused for StopAndCopy, or left in
   * {@code postmigrate} by a target lost at the very end.
   */
  private void resumeSource(Request request, Optional<QemuVM> vm, SidecarEndpoint source)
      throws SidecarException {
    String state = sidecar.state(source).runState();
    boolean pausedByUs =
        state.equals("paused") && Boolean.TRUE.equals(request.status().getSourcePaused());
    if (pausedByUs || state.equals("postmigrate")) {
      sidecar.command(source, "cont", null);
      vm.ifPresent(
          found ->
              events(request)
                  .normal(
                      found,
                      "Resumed",
                      "QemuVMMigration "
                          + request.name()
                          + ": the source guest continued after the migration ended ("
                          + state
                          + ")"));
    }
  }

  // ---- the deadline, endpoints, Events ----

  private boolean pastDeadline(Request request) {
    String deadline = request.status().getDeadline();
    return deadline != null && clock.instant().isAfter(Instant.parse(deadline));
  }

  /** The sidecar of a running pod, with the VM's token. */
  private Optional<SidecarEndpoint> endpoint(Request request, Pod pod) {
    if (pod.isMarkedForDeletion()
        || pod.getStatus() == null
        || !"Running".equals(pod.getStatus().getPhase())
        || pod.getStatus().getPodIP() == null) {
      return Optional.empty();
    }
    Secret secret =
        request
            .client()
            .secrets()
            .inNamespace(request.namespace())
            .withName(VmResources.secretName(request.vmName()))
            .get();
    if (secret == null) {
      return Optional.empty();
    }
    return Optional.of(
        SidecarEndpoint.of(
            pod.getStatus().getPodIP(), config.sidecarPort(), TokenSecret.token(secret)));
  }

  private VmEvents events(Request request) {
    return new VmEvents(request.client(), clock, eventCounts);
  }
}
