package io.qemuoperator.operator.reconcile;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.MaxReconciliationInterval;
import io.javaoperatorsdk.operator.api.reconciler.PrimaryUpdateAndCacheUtils;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.api.v1alpha1.status.Condition;
import io.qemuoperator.api.v1alpha1.status.QemuVMPhase;
import io.qemuoperator.api.v1alpha1.status.QemuVMStatus;
import io.qemuoperator.operator.OperatorConfig;
import io.qemuoperator.operator.OperatorMetrics;
import io.qemuoperator.operator.plan.DesiredVm;
import io.qemuoperator.operator.plan.Plan;
import io.qemuoperator.operator.plan.Planner;
import io.qemuoperator.operator.plan.PriorIntent;
import io.qemuoperator.operator.plan.QmpAction;
import io.qemuoperator.operator.pod.DiskClaims;
import io.qemuoperator.operator.pod.TokenSecret;
import io.qemuoperator.operator.pod.VmPod;
import io.qemuoperator.operator.pod.VmResources;
import io.qemuoperator.operator.sidecar.SidecarClient;
import io.qemuoperator.operator.sidecar.SidecarEndpoint;
import io.qemuoperator.operator.sidecar.SidecarException;
import io.qemuoperator.operator.sidecar.VmSnapshot;
import io.qemuoperator.operator.validation.QemuVMSpecValidator;
import io.qemuoperator.operator.validation.Violation;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reconciles one QemuVM in named steps, as the design reads: validate the spec → make sure the
 * token Secret, disk claims and pod exist → observe QEMU through the sidecar ({@code /v1/state}) →
 * plan (a pure function) → act (QMP commands, each an Event) → record the status (written only when
 * it differs). Deleting a QemuVM powers the guest down first (finalizer), then its owned objects go
 * with it.
 */
@ControllerConfiguration(
    name = QemuVMReconciler.NAME,
    maxReconciliationInterval =
        @MaxReconciliationInterval(interval = 5, timeUnit = TimeUnit.MINUTES))
public final class QemuVMReconciler implements Reconciler<QemuVM>, Cleaner<QemuVM> {
  public static final String NAME = "qemuvm";
  private static final Logger log = LoggerFactory.getLogger(QemuVMReconciler.class);

  /** How soon to look again at a VM whose pod or sidecar is not up yet. */
  static final Duration STARTING_POLL = Duration.ofSeconds(2);

  /** After this long "not running" in the informer's cache, a pod is read from the API server. */
  static final Duration STALE_POD = Duration.ofSeconds(20);

  private final OperatorConfig config;
  private final SidecarClient sidecar;
  private final OperatorMetrics metrics;
  private final Planner planner = new Planner();
  private final QemuVMSpecValidator validator = new QemuVMSpecValidator();
  private final StatusAggregator statuses = new StatusAggregator();
  private final TokenSecret tokens;
  private final VmPod pods;
  private final QmpEventSource qmpEvents;
  private final Clock clock;

  public QemuVMReconciler(
      OperatorConfig config, SidecarClient sidecar, OperatorMetrics metrics, Clock clock) {
    this.config = config;
    this.sidecar = sidecar;
    this.metrics = metrics;
    this.clock = clock;
    this.tokens = new TokenSecret(new java.security.SecureRandom());
    this.pods = new VmPod(config);
    this.qmpEvents = new QmpEventSource(sidecar);
  }

  @Override
  public List<EventSource<?, QemuVM>> prepareEventSources(EventSourceContext<QemuVM> context) {
    return List.of(
        owned(Pod.class, context),
        owned(Secret.class, context),
        owned(PersistentVolumeClaim.class, context),
        qmpEvents);
  }

  private static <R extends HasMetadata> InformerEventSource<R, QemuVM> owned(
      Class<R> type, EventSourceContext<QemuVM> context) {
    return new InformerEventSource<>(
        InformerEventSourceConfiguration.from(type, QemuVM.class)
            .withLabelSelector(VmResources.LABEL_MANAGED_BY + "=" + VmResources.MANAGER)
            .build(),
        context);
  }

  @Override
  public UpdateControl<QemuVM> reconcile(QemuVM vm, Context<QemuVM> context) {
    Instant now = clock.instant();
    var events = new VmEvents(context.getClient(), clock);
    List<Violation> violations = validator.validate(vm.getSpec());
    if (!violations.isEmpty()) {
      return record(
          context,
          vm,
          SpecReader.desiredOrDefaults(vm),
          Observation.invalid(violations),
          now,
          Optional.empty(),
          events);
    }
    DesiredVm desired = SpecReader.desired(vm);
    KubernetesClient client = context.getClient();
    Secret secret = ensure(client, context.getSecondaryResource(Secret.class), tokens.desired(vm));
    Optional<Pod> pod = context.getSecondaryResource(Pod.class);
    if (desired.running()) {
      ensureClaims(client, context, vm);
      pod = Optional.of(ensure(client, pod, pods.desired(vm)));
    }
    ResourceID id = ResourceID.fromResource(vm);
    Optional<SidecarEndpoint> endpoint = pod.flatMap(p -> endpoint(p, secret));
    if (endpoint.isEmpty() && pod.isPresent() && startingLongerThan(pod.get(), now, STALE_POD)) {
      // The informer's copy has said "not running" for a while: ask the API server itself, so a
      // watch event that never arrived cannot hold a VM in Pending.
      pod = Optional.ofNullable(client.resource(pod.get()).get());
      endpoint = pod.flatMap(p -> endpoint(p, secret));
    }
    if (endpoint.isEmpty()) {
      qmpEvents.forget(id);
      var seen = Observation.notReached(pod, Optional.empty());
      return record(
          context,
          vm,
          desired,
          seen,
          now,
          pod.isPresent() ? Optional.of(STARTING_POLL) : Optional.empty(),
          events);
    }
    VmSnapshot snapshot;
    try {
      snapshot = sidecar.state(endpoint.get());
    } catch (SidecarException e) {
      var seen = Observation.notReached(pod, Optional.of(e));
      return record(context, vm, desired, seen, now, Optional.of(STARTING_POLL), events);
    }
    if (config.followQmpEvents()) {
      qmpEvents.watch(id, endpoint.get(), snapshot.instance(), snapshot.eventSeq());
    }

    var prior =
        new PriorIntent(
            StatusAggregator.balloonTarget(vm, snapshot), StatusAggregator.powerdownSince(vm));
    Plan plan = planner.plan(desired, snapshot.observed(), prior, now);
    var done = new ArrayList<QmpAction>();
    Optional<Observation.FailedAction> failed = Optional.empty();
    OptionalLong balloonTarget = prior.balloonTarget();
    Optional<Instant> powerdownSince = prior.powerdownSince();
    boolean sameQemu = StatusAggregator.sameQemu(vm, snapshot);
    boolean restarted =
        !sameQemu
            && vm.getStatus() != null
            && vm.getStatus().getCpus() != null
            && !vm.getStatus().getCpus().isEmpty();
    boolean drift = sameQemu && inSyncBefore(vm);
    for (QmpAction action : plan.actions()) {
      Optional<SidecarException> refused = send(vm, endpoint.get(), action, events);
      if (refused.isPresent()) {
        failed = Optional.of(new Observation.FailedAction(action, refused.get()));
        break;
      }
      done.add(action);
      switch (action) {
        case QmpAction.Balloon balloon ->
            balloonTarget = OptionalLong.of(balloon.arguments().value());
        case QmpAction.SystemPowerdown powerdown -> powerdownSince = Optional.of(now);
        default -> {}
      }
      if (drift && correctsDrift(action)) {
        events.normal(
            vm,
            "DriftCorrected",
            "QEMU had been changed outside the operator (run state "
                + snapshot.runState()
                + "); "
                + action.describe());
      } else {
        events.normal(
            vm, action.reason(), action.describe() + (restarted ? " (QEMU was restarted)" : ""));
      }
    }
    if (done.stream().anyMatch(a -> a instanceof QmpAction.Quit)) {
      pod.ifPresent(p -> client.resource(p).delete());
      qmpEvents.forget(id);
      var seen = Observation.quit(done, failed);
      return record(context, vm, desired, seen, now, Optional.empty(), events);
    }
    if (!done.isEmpty()) {
      try {
        snapshot = sidecar.state(endpoint.get());
      } catch (SidecarException e) {
        log.debug("{}: state after actions not readable: {}", id, e.getMessage());
      }
    }
    var seen =
        new Observation(
            List.of(),
            pod,
            Optional.of(snapshot),
            Optional.empty(),
            plan,
            done,
            failed,
            balloonTarget,
            powerdownSince);
    // A sidecar that failed on the way (not QEMU refusing) is tried again soon, not at the resync.
    Optional<Duration> recheck =
        failed.isPresent() && failed.get().error().isTransient()
            ? Optional.of(STARTING_POLL)
            : plan.recheckAfter();
    return record(context, vm, desired, seen, now, recheck, events);
  }

  /** True when the last status said the current spec was reached: an action now is drift. */
  private static boolean inSyncBefore(QemuVM vm) {
    QemuVMStatus status = vm.getStatus();
    if (status == null
        || status.getConditions() == null
        || !Long.valueOf(generation(vm)).equals(status.getObservedGeneration())) {
      return false;
    }
    return status.getConditions().stream()
        .anyMatch(
            c -> Conditions.SYNCED.equals(c.getType()) && Condition.TRUE.equals(c.getStatus()));
  }

  /**
   * Sends one action through the sidecar and counts it; a refusal is a Warning Event and returned
   * (QEMU's class and desc kept).
   */
  private Optional<SidecarException> send(
      QemuVM vm, SidecarEndpoint endpoint, QmpAction action, VmEvents events) {
    try {
      sidecar.command(endpoint, action.command(), action.arguments());
      metrics.action(action.command(), "ok");
      return Optional.empty();
    } catch (SidecarException e) {
      metrics.action(action.command(), e.errorClass());
      events.warning(
          vm, "QmpError", action.command() + " failed: " + e.errorClass() + ": " + e.desc());
      return Optional.of(e);
    }
  }

  private static boolean startingLongerThan(Pod pod, Instant now, Duration limit) {
    String created = pod.getMetadata().getCreationTimestamp();
    return created != null && Instant.parse(created).plus(limit).isBefore(now);
  }

  /** Actions that put QEMU back as the spec says; the power-down sequence is never drift. */
  private static boolean correctsDrift(QmpAction action) {
    return !(action instanceof QmpAction.SystemPowerdown || action instanceof QmpAction.Quit);
  }

  private static long generation(QemuVM vm) {
    return vm.getMetadata().getGeneration() == null ? 0 : vm.getMetadata().getGeneration();
  }

  private UpdateControl<QemuVM> record(
      Context<QemuVM> context,
      QemuVM vm,
      DesiredVm desired,
      Observation seen,
      Instant now,
      Optional<Duration> recheck,
      VmEvents events) {
    QemuVMStatus status = statuses.status(vm, desired, seen, now);
    QemuVMStatus old = vm.getStatus();
    if (old == null || old.getPhase() != status.getPhase()) {
      log.info(
          "{}/{}: phase {} → {}",
          vm.getMetadata().getNamespace(),
          vm.getMetadata().getName(),
          old == null ? "-" : old.getPhase(),
          status.getPhase());
      if (status.getPhase() == QemuVMPhase.Failed && !seen.violations().isEmpty()) {
        events.warning(
            vm,
            "InvalidSpec",
            seen.violations().stream().map(Object::toString).collect(Collectors.joining("; ")));
      }
    }
    if (!seen.violations().isEmpty()
        && (old == null || !status.getConditions().equals(old.getConditions()))) {
      events.warning(
          vm,
          "InvalidSpec",
          seen.violations().stream().map(Object::toString).collect(Collectors.joining("; ")));
    }
    if (!status.equals(old)) {
      // Patched here and put into JOSDK's cache at once: the status carries intent (the balloon
      // target sent, when power-down began), and the next pass must read it, not an older copy.
      PrimaryUpdateAndCacheUtils.patchStatusAndCacheResource(
          vm, context, current -> withStatus(current, status));
    }
    UpdateControl<QemuVM> control = UpdateControl.noUpdate();
    return recheck.map(control::rescheduleAfter).orElse(control);
  }

  private static <R extends HasMetadata> R ensure(
      KubernetesClient client, Optional<R> existing, R desired) {
    if (existing.isPresent()) {
      return existing.get();
    }
    try {
      return client.resource(desired).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) { // created by an earlier pass the informer has not shown yet
        return client.resource(desired).get();
      }
      throw e;
    }
  }

  private static void ensureClaims(KubernetesClient client, Context<QemuVM> context, QemuVM vm) {
    Set<String> existing =
        context.getSecondaryResources(PersistentVolumeClaim.class).stream()
            .map(c -> c.getMetadata().getName())
            .collect(Collectors.toSet());
    for (PersistentVolumeClaim claim : DiskClaims.desired(vm)) {
      if (!existing.contains(claim.getMetadata().getName())) {
        ensure(client, Optional.empty(), claim);
      }
    }
  }

  /** The sidecar of a running pod, with the VM's token. */
  private Optional<SidecarEndpoint> endpoint(Pod pod, Secret secret) {
    if (pod.getStatus() == null
        || !"Running".equals(pod.getStatus().getPhase())
        || pod.getStatus().getPodIP() == null) {
      return Optional.empty();
    }
    return Optional.of(
        SidecarEndpoint.of(
            pod.getStatus().getPodIP(), config.sidecarPort(), TokenSecret.token(secret)));
  }

  /**
   * Deleting a QemuVM: power the guest down (ACPI), give it its grace period, then {@code quit};
   * the finalizer is released once QEMU is gone (or unreachable: nothing left to stop).
   */
  @Override
  public DeleteControl cleanup(QemuVM vm, Context<QemuVM> context) {
    ResourceID id = ResourceID.fromResource(vm);
    Optional<Pod> pod = context.getSecondaryResource(Pod.class);
    Optional<Secret> secret = context.getSecondaryResource(Secret.class);
    Optional<SidecarEndpoint> endpoint = pod.flatMap(p -> secret.flatMap(s -> endpoint(p, s)));
    if (endpoint.isEmpty()) {
      qmpEvents.forget(id);
      return DeleteControl.defaultDelete();
    }
    var events = new VmEvents(context.getClient(), clock);
    Instant now = clock.instant();
    VmSnapshot snapshot;
    try {
      snapshot = sidecar.state(endpoint.get());
    } catch (SidecarException e) {
      qmpEvents.forget(id);
      return DeleteControl.defaultDelete(); // QEMU not reachable: nothing to power down
    }
    DesiredVm off = SpecReader.stopped(vm);
    Optional<Instant> since = StatusAggregator.powerdownSince(vm);
    Plan plan =
        planner.plan(off, snapshot.observed(), new PriorIntent(OptionalLong.empty(), since), now);
    for (QmpAction action : plan.actions()) {
      if (send(vm, endpoint.get(), action, events).isEmpty()) {
        events.normal(vm, action.reason(), action.describe() + " (the QemuVM is being deleted)");
      }
      if (action instanceof QmpAction.Quit) {
        qmpEvents.forget(id);
        return DeleteControl.defaultDelete();
      }
      if (action instanceof QmpAction.SystemPowerdown) {
        recordPowerdown(context, vm, now);
      }
    }
    return DeleteControl.noFinalizerRemoval()
        .rescheduleAfter(plan.recheckAfter().orElse(STARTING_POLL).toMillis());
  }

  /** Writes the Stopping condition, so a restarted operator waits out the same grace period. */
  private void recordPowerdown(Context<QemuVM> context, QemuVM vm, Instant now) {
    var desired = SpecReader.stopped(vm);
    var seen = Observation.poweringDown(now);
    QemuVMStatus status = statuses.status(vm, desired, seen, now);
    status.setPhase(QemuVMPhase.Stopping);
    try {
      PrimaryUpdateAndCacheUtils.patchStatusAndCacheResource(
          vm, context, current -> withStatus(current, status));
    } catch (KubernetesClientException e) {
      log.warn(
          "could not record the power-down of {}: {}", vm.getMetadata().getName(), e.getMessage());
    }
  }

  @Override
  public ErrorStatusUpdateControl<QemuVM> updateErrorStatus(
      QemuVM vm, Context<QemuVM> context, Exception e) {
    log.warn(
        "reconcile of {}/{} failed: {}",
        vm.getMetadata().getNamespace(),
        vm.getMetadata().getName(),
        e.toString());
    var conditions =
        new ArrayList<>(
            vm.getStatus() == null || vm.getStatus().getConditions() == null
                ? List.<Condition>of()
                : vm.getStatus().getConditions());
    conditions.removeIf(c -> Conditions.READY.equals(c.getType()));
    conditions.add(
        new Condition(
            Conditions.READY,
            Condition.FALSE,
            "ReconcileError",
            e.getClass().getSimpleName() + ": " + e.getMessage(),
            clock.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString(),
            generation(vm)));
    // A fresh object: what the informer cache returned is never mutated.
    QemuVM patch = statusPatch(vm, copyOf(vm.getStatus()));
    patch.getStatus().setConditions(conditions);
    return ErrorStatusUpdateControl.patchStatus(patch);
  }

  private static QemuVMStatus copyOf(QemuVMStatus status) {
    return status == null
        ? new QemuVMStatus()
        : io.fabric8.kubernetes.client.utils.Serialization.clone(status);
  }

  /**
   * A copy of {@code vm} with {@code status}: a JSON patch from the cached object to it touches
   * only {@code /status} (what the informer cache returned is never mutated).
   */
  private static QemuVM withStatus(QemuVM vm, QemuVMStatus status) {
    QemuVM copy = io.fabric8.kubernetes.client.utils.Serialization.clone(vm);
    copy.setStatus(status);
    return copy;
  }

  /** A fresh QemuVM holding only what a status patch needs. */
  private static QemuVM statusPatch(QemuVM vm, QemuVMStatus status) {
    var patch = new QemuVM();
    patch.setMetadata(
        new io.fabric8.kubernetes.api.model.ObjectMetaBuilder()
            .withName(vm.getMetadata().getName())
            .withNamespace(vm.getMetadata().getNamespace())
            .build());
    patch.setStatus(status);
    return patch;
  }
}
