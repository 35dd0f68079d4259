package io.qemuoperator.operator.reconcile;

import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceUtils;
import io.javaoperatorsdk.operator.api.reconciler.MaxReconciliationInterval;
import io.javaoperatorsdk.operator.api.reconciler.PrimaryUpdateAndCacheUtils;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.api.v1alpha1.QemuVMMigration;
import io.qemuoperator.api.v1alpha1.spec.LinkState;
import io.qemuoperator.api.v1alpha1.status.MigrationPhase;
import io.qemuoperator.api.v1alpha1.status.QemuVMPhase;
import io.qemuoperator.api.v1alpha1.status.QemuVMStatus;
import io.qemuoperator.operator.OperatorConfig;
import io.qemuoperator.operator.OperatorMetrics;
import io.qemuoperator.operator.dependent.CreateOnlyDependent;
import io.qemuoperator.operator.dependent.DiskClaimsDependent;
import io.qemuoperator.operator.dependent.ServiceDependent;
import io.qemuoperator.operator.plan.DesiredVm;
import io.qemuoperator.operator.plan.ObservedVm;
import io.qemuoperator.operator.plan.Plan;
import io.qemuoperator.operator.plan.Planner;
import io.qemuoperator.operator.plan.PriorIntent;
import io.qemuoperator.operator.plan.QmpAction;
import io.qemuoperator.operator.plan.Quantities;
import io.qemuoperator.operator.plan.Restart;
import io.qemuoperator.operator.plan.SpecReader;
import io.qemuoperator.operator.pod.DiskClaims;
import io.qemuoperator.operator.pod.TokenSecret;
import io.qemuoperator.operator.pod.VmPod;
import io.qemuoperator.operator.sidecar.Sidecar;
import io.qemuoperator.operator.sidecar.SidecarEndpoint;
import io.qemuoperator.operator.sidecar.SidecarException;
import io.qemuoperator.operator.sidecar.VmSnapshot;
import io.qemuoperator.operator.validation.QemuVMSpecValidator;
import io.qemuoperator.operator.validation.Violation;
import java.io.Serial;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
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
    // generation-aware filtering would drop a restart request (an annotation): SpecOrRestartChanged
    // passes it, and new generations, and nothing the operator writes itself
    generationAwareEventProcessing = false,
    informer = @Informer(onUpdateFilter = SpecOrRestartChanged.class),
    maxReconciliationInterval =
        @MaxReconciliationInterval(interval = 5, timeUnit = TimeUnit.MINUTES))
public final class QemuVMReconciler implements Reconciler<QemuVM>, Cleaner<QemuVM> {
  public static final String NAME = "qemuvm";
  private static final Logger log = LoggerFactory.getLogger(QemuVMReconciler.class);

  /** How soon to look again at a VM whose pod or sidecar is not up yet. */
  static final Duration STARTING_POLL = Duration.ofSeconds(2);

  /** How soon to look again at a pod younger than {@link #FRESH_POD}: QEMU is seconds away. */
  static final Duration FRESH_POLL = Duration.ofMillis(250);

  static final Duration FRESH_POD = Duration.ofSeconds(10);

  /**
   * How often the progress of a running disk import is read into the status: it bounds the status
   * writes an import makes (one at most per poll, the figures rounded by {@link
   * DiskImportProgress}).
   */
  static final Duration IMPORT_POLL = Duration.ofSeconds(3);

  /** How often JOSDK looks for a newer QemuVM in its cache after a status patch met a 409. */
  static final Duration CONFLICT_CACHE_POLL = Duration.ofMillis(2);

  /**
   * After this long "not running" in the informer's cache, a pod is read from the API server, and
   * again at most this often while it stays so.
   */
  static final Duration STALE_POD = Duration.ofSeconds(20);

  private final OperatorConfig config;
  private final Sidecar sidecar;
  private final OperatorMetrics metrics;
  private final Planner planner = new Planner();
  private final QemuVMSpecValidator validator = new QemuVMSpecValidator();
  private final StatusAggregator statuses = new StatusAggregator();
  private final CreateOnlyDependent<Secret> secrets;
  private final DiskClaimsDependent claims;
  private final CreateOnlyDependent<Pod> pods;
  private final ServiceDependent services = new ServiceDependent();
  private final QmpEventSource qmpEvents;
  private final EventCounts eventCounts = new EventCounts();

  /** When each VM's not-running pod was last read from the API server (see {@link #STALE_POD}). */
  private final Map<ResourceID, Instant> stalePodReads =
      new java.util.concurrent.ConcurrentHashMap<>();

  private final Clock clock;

  public QemuVMReconciler(
      OperatorConfig config, Sidecar sidecar, OperatorMetrics metrics, Clock clock) {
    this.config = config;
    this.sidecar = sidecar;
    this.metrics = metrics;
    this.clock = clock;
    this.secrets =
        CreateOnlyDependent.tokenSecret(new TokenSecret(new java.security.SecureRandom()));
    this.claims = new DiskClaimsDependent();
    this.pods = CreateOnlyDependent.pod(new VmPod(config));
    this.qmpEvents = new QmpEventSource(sidecar);
  }

  @Override
  public List<EventSource<?, QemuVM>> prepareEventSources(EventSourceContext<QemuVM> context) {
    var sources =
        new ArrayList<EventSource<?, QemuVM>>(
            EventSourceUtils.dependentEventSources(context, secrets, claims, pods, services));
    sources.add(qmpEvents);
    sources.add(
        new InformerEventSource<>(
            io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration.from(
                    QemuVMMigration.class, QemuVM.class)
                .withName(MIGRATIONS)
                .withSecondaryToPrimaryMapper(
                    migration ->
                        java.util.Set.of(
                            new ResourceID(
                                migration.getSpec().getVmName(),
                                migration.getMetadata().getNamespace())))
                .build(),
            context));
    return sources;
  }

  @Override
  public UpdateControl<QemuVM> reconcile(QemuVM vm, Context<QemuVM> context) {
    StageTrace.mark(vm, "reconcile");
    Instant now = clock.instant();
    var events = new VmEvents(context.getClient(), clock, eventCounts);
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
    Optional<QemuVMMigration> migration = activeMigration(context);
    if (migration.isPresent()) {
      return holdForMigration(context, vm, migration.get(), now);
    }
    DesiredVm desired = SpecReader.desired(vm);
    KubernetesClient client = context.getClient();
    Optional<Secret> secret =
        secrets
            .reconcile(vm, context)
            .getSingleResource()
            .or(() -> context.getSecondaryResource(Secret.class));
    if (vm.getSpec() != null && vm.getSpec().getService() != null) {
      services.reconcile(vm, context);
    } else {
      services.deleteIfPresent(vm, context);
    }
    Optional<Pod> pod = vmPod(context);
    Map<String, ObservedVm.ClaimState> claimStates = Map.of();
    ResourceID id = ResourceID.fromResource(vm);
    if (desired.running()) {
      claimStates = claimStates(vm, context, events);
      if (pod.isEmpty()) {
        pod = pods.reconcile(vm, context).getSingleResource();
      } else if (pod.get().isMarkedForDeletion()) {
        // the pod of the QEMU just ended is going away; its successor is created once it is gone
        qmpEvents.forget(id);
        var seen = Observation.notReached(pod, Optional.empty());
        return record(context, vm, desired, seen, now, Optional.of(STARTING_POLL), events);
      }
    }
    Optional<SidecarEndpoint> endpoint = pod.flatMap(p -> secret.flatMap(s -> endpoint(p, s)));
    if (endpoint.isEmpty()
        && pod.isPresent()
        && startingLongerThan(pod.get(), now, STALE_POD)
        && !readWithin(id, now, STALE_POD)) {
      // The informer's copy has said "not running" for a while: ask the API server itself, so a
      // watch event that never arrived cannot hold a VM in Pending. Not at every pass (one every
      // 2 s while the pod starts): 1,000 VMs waiting for their claims made 43 reads each.
      stalePodReads.put(id, now);
      pod = Optional.ofNullable(client.resource(pod.get()).get());
      endpoint = pod.flatMap(p -> secret.flatMap(s -> endpoint(p, s)));
    }
    if (endpoint.isPresent()) {
      stalePodReads.remove(id);
    }
    if (endpoint.isEmpty()) {
      qmpEvents.forget(id);
      replaceIfOutdated(client, vm, desired, pod, events);
      Optional<SidecarEndpoint> importer =
          pod.filter(DiskImportState::importerRunning)
              .flatMap(p -> secret.flatMap(s -> importerEndpoint(p, s)));
      var seen =
          Observation.notReached(pod, Optional.empty())
              .withImportProgress(importer.flatMap(this::importProgress));
      return record(
          context,
          vm,
          desired,
          seen,
          now,
          importer.isPresent() ? Optional.of(IMPORT_POLL) : pod.map(p -> startingPoll(p, now)),
          events);
    }
    VmSnapshot snapshot;
    try {
      StageTrace.mark(vm, "state-sent");
      snapshot = sidecar.state(endpoint.get());
      StageTrace.mark(vm, "state");
    } catch (SidecarException e) {
      if (e.status() == 503) { // QEMU is gone from a running pod: nothing to power down
        replaceIfOutdated(client, vm, desired, pod, events);
      }
      var seen = Observation.notReached(pod, Optional.of(e));
      Duration again = pod.map(p -> startingPoll(p, now)).orElse(STARTING_POLL);
      return record(context, vm, desired, seen, now, Optional.of(again), events);
    }
    if (config.followQmpEvents()) {
      qmpEvents.watch(id, endpoint.get(), snapshot.instance(), snapshot.eventSeq());
    }

    ObservedVm observed = snapshot.observed().withPod(pod.flatMap(VmPod::launchOf), claimStates);
    PriorIntent prior = RecordedIntent.prior(vm, snapshot.qemuIdentity());
    Plan plan = planner.plan(desired, observed, prior, now);
    var done = new ArrayList<QmpAction>();
    Optional<Observation.FailedAction> failed = Optional.empty();
    OptionalLong balloonTarget = prior.balloonTarget();
    Optional<Instant> powerdownSince = prior.powerdownSince();
    Optional<LinkState> link = prior.link();
    for (QmpAction action : plan.actions()) {
      // its STOP or RESUME then starts no pass of its own: this pass records what it did
      action.runStateAfter().ifPresent(state -> qmpEvents.runStateKnown(id, state));
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
        case QmpAction.SetLink set ->
            link = Optional.of(set.arguments().up() ? LinkState.Up : LinkState.Down);
        default -> {}
      }
      events.record(
          vm,
          action.warning(),
          plan.cause() == Plan.Cause.DRIFT ? "DriftCorrected" : action.reason(),
          describe(action, plan, snapshot));
      StageTrace.mark(vm, "event", action.command());
    }
    if (done.stream().anyMatch(a -> a instanceof QmpAction.Quit)) {
      pod.ifPresent(p -> client.resource(p).delete());
      qmpEvents.forget(id);
      var seen = Observation.quit(done, failed);
      return record(
          context,
          vm,
          desired,
          seen,
          now,
          plan.restarting() ? Optional.of(STARTING_POLL) : Optional.empty(),
          events);
    }
    Optional<VmSnapshot> known = afterRunStateChange(snapshot, done);
    if (known.isPresent()) {
      snapshot = known.get();
    } else if (!done.isEmpty()) {
      try {
        snapshot = sidecar.state(endpoint.get());
        StageTrace.mark(vm, "state-after");
      } catch (SidecarException e) {
        log.debug("{}: state after actions not readable: {}", id, e.getMessage());
      }
    }
    qmpEvents.runStateKnown(id, snapshot.runState());
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
            powerdownSince,
            snapshot.machine(),
            link,
            Optional.empty());
    // A sidecar that failed on the way (not QEMU refusing) is tried again soon, not at the resync.
    Optional<Duration> recheck =
        failed.isPresent() && failed.get().error().isTransient()
            ? Optional.of(STARTING_POLL)
            : plan.recheckAfter();
    return record(context, vm, desired, seen, now, recheck, events);
  }

  /** The informer of QemuVMMigrations, each mapped to the VM it names. */
  static final String MIGRATIONS = "vm-migrations";

  /**
   * The VM's pod: of the pods it owns, the one not going away (after a migration's hand-over, the
   * source pod is deleted while the target is already the VM's); the going one when it is alone.
   */
  static Optional<Pod> vmPod(Context<QemuVM> context) {
    var owned = context.getSecondaryResources(Pod.class);
    return owned.stream()
        .filter(p -> !p.isMarkedForDeletion())
        .findFirst()
        .or(() -> owned.stream().findFirst());
  }

  /**
   * A migration of the VM that has begun and not ended (target starting, transferring, handing
   * over): its controller owns the VM's QEMU until then.
   */
  static Optional<QemuVMMigration> activeMigration(Context<QemuVM> context) {
    return context.getSecondaryResources(QemuVMMigration.class).stream()
        .filter(
            m ->
                m.getStatus() != null
                    && m.getStatus().getPhase() != null
                    && m.getStatus().getPhase() != MigrationPhase.Pending
                    && !m.getStatus().getPhase().isFinal())
        .findFirst();
  }

  /**
   * A pass while the VM migrates: nothing is sent and no pod is made; the status keeps what it said
   * and says the VM is migrating. The migration's end (its informer) brings the next pass.
   */
  private UpdateControl<QemuVM> holdForMigration(
      Context<QemuVM> context, QemuVM vm, QemuVMMigration migration, Instant now) {
    QemuVMStatus status = statuses.migrating(vm, migration, now);
    if (!status.equals(vm.getStatus())) {
      patchStatus(context, vm, status, false);
    }
    return UpdateControl.noUpdate();
  }

  /**
   * QEMU after {@code done} when that is known without reading it again: a {@code stop} of a
   * running QEMU, or a {@code cont} of a paused one or one that never ran, and nothing else. QEMU
   * answers {@code stop} once the vCPUs have stopped and {@code cont} once they run, so the run
   * state is the last one's and nothing else in the snapshot changed. (Its event, STOP or RESUME,
   * still brings a pass that reads QEMU.) Empty when QEMU must be read again.
   */
  static Optional<VmSnapshot> afterRunStateChange(VmSnapshot before, List<QmpAction> done) {
    String runState = before.runState();
    for (QmpAction action : done) {
      boolean known =
          action instanceof QmpAction.Stop
              ? runState.equals("running")
              : action instanceof QmpAction.Cont
                  && (runState.equals("paused") || runState.equals("prelaunch"));
      if (!known) {
        return Optional.empty();
      }
      runState = action.runStateAfter().orElseThrow();
    }
    return done.isEmpty() ? Optional.empty() : Optional.of(before.withRunState(runState));
  }

  /**
   * An action's Event text: what was sent, and why when it was not a spec change — a restart, a
   * correction of drift, or a restarted QEMU told again what it forgot.
   */
  private static String describe(QmpAction action, Plan plan, VmSnapshot snapshot) {
    if (plan.restarting()) {
      return action.describe() + " (restarting to apply: " + plan.restart().get().describe() + ")";
    }
    return switch (plan.cause()) {
      case DRIFT ->
          "QEMU had been changed outside the operator (run state "
              + snapshot.runState()
              + "); "
              + action.describe();
      case QEMU_RESTARTED -> action.describe() + " (QEMU was restarted)";
      case SPEC -> action.describe();
    };
  }

  /**
   * A pod whose QEMU is not reachable (not running, crashed, or just quit) and that was launched
   * for another revision than the spec's is deleted at once when a restart is due: there is no
   * guest to power down. Its successor is created once it is gone.
   */
  private void replaceIfOutdated(
      KubernetesClient client, QemuVM vm, DesiredVm desired, Optional<Pod> pod, VmEvents events) {
    if (!desired.running() || pod.isEmpty() || pod.get().isMarkedForDeletion()) {
      return;
    }
    Restart.decide(desired.launch(), VmPod.launchOf(pod.get()), desired.updateStrategy())
        .filter(Restart::now)
        .ifPresent(
            restart -> {
              events.normal(
                  vm,
                  "Restarting",
                  "QEMU is not running; its pod is replaced to apply: " + restart.describe());
              client.resource(pod.get()).delete();
            });
  }

  /**
   * Makes sure each disk has its claim asking for the disk's size (requests only grow), records
   * what growing them did as Events, and returns per disk what storage the claim has and why the
   * cluster refused to grow it, if it did.
   */
  private Map<String, ObservedVm.ClaimState> claimStates(
      QemuVM vm, Context<QemuVM> context, VmEvents events) {
    var result = claims.reconcile(vm, context);
    var refusals = new java.util.HashMap<String, String>();
    for (DiskClaimsDependent.Growth growth : DiskClaimsDependent.growths(context)) {
      String change =
          Quantities.format(growth.fromBytes()) + " → " + Quantities.format(growth.toBytes());
      if (growth.refused()) {
        refusals.put(growth.disk(), growth.refusal());
        events.warning(
            vm,
            "DiskExpansionRefused",
            "claim " + growth.claim() + " could not grow " + change + ": " + growth.refusal());
      } else {
        events.normal(
            vm, "ClaimGrown", "claim " + growth.claim() + ": storage request raised " + change);
      }
    }
    Map<String, String> declaredClasses = new java.util.HashMap<>();
    for (PersistentVolumeClaim wanted : DiskClaims.desired(vm)) {
      if (wanted.getSpec().getStorageClassName() != null) {
        declaredClasses.put(DiskClaims.diskOf(wanted), wanted.getSpec().getStorageClassName());
      }
    }
    var states = new LinkedHashMap<String, ObservedVm.ClaimState>();
    for (PersistentVolumeClaim claim : result.getResourceOperations().keySet()) {
      String disk = DiskClaims.diskOf(claim);
      String declared = declaredClasses.get(disk);
      String created = claim.getSpec().getStorageClassName();
      states.put(
          disk,
          new ObservedVm.ClaimState(
              DiskClaims.capacity(claim),
              Optional.ofNullable(refusals.get(disk)),
              declared != null && !declared.equals(created)
                  ? Optional.of(created == null ? "(the cluster's default)" : created)
                  : Optional.empty()));
    }
    return states;
  }

  /**
   * Sends one action through the sidecar and counts it; a refusal is a Warning Event and returned
   * (QEMU's class and desc kept).
   */
  private Optional<SidecarException> send(
      QemuVM vm, SidecarEndpoint endpoint, QmpAction action, VmEvents events) {
    try {
      StageTrace.mark(vm, "qmp-sent", action.command());
      sidecar.command(endpoint, action.command(), action.arguments());
      StageTrace.mark(vm, "qmp-acked", action.command());
      metrics.action(action.command(), "ok");
      return Optional.empty();
    } catch (SidecarException e) {
      metrics.action(action.command(), e.errorClass());
      events.warning(
          vm, "QmpError", action.command() + " failed: " + e.errorClass() + ": " + e.desc());
      return Optional.of(e);
    }
  }

  /**
   * A pod just created is looked at every quarter second (its QEMU and sidecar start in about a
   * second, and no event says when QMP is negotiated), an older one every two seconds.
   */
  private static Duration startingPoll(Pod pod, Instant now) {
    return startingLongerThan(pod, now, FRESH_POD) ? STARTING_POLL : FRESH_POLL;
  }

  private boolean readWithin(ResourceID id, Instant now, Duration limit) {
    Instant last = stalePodReads.get(id);
    return last != null && last.plus(limit).isAfter(now);
  }

  private static boolean startingLongerThan(Pod pod, Instant now, Duration limit) {
    String created = pod.getMetadata().getCreationTimestamp();
    return created != null && Instant.parse(created).plus(limit).isBefore(now);
  }

  private static boolean isReady(QemuVMStatus status) {
    return status.getConditions() != null
        && status.getConditions().stream()
            .anyMatch(c -> Conditions.READY.equals(c.getType()) && "True".equals(c.getStatus()));
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
    metrics.vmReady(vm.getMetadata().getNamespace(), vm.getMetadata().getName(), isReady(status));
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
    importEvents(vm, old, status, events);
    if (!status.equals(old)) {
      boolean newIntent =
          !java.util.Objects.equals(status.getIntent(), old == null ? null : old.getIntent());
      if (patchStatus(context, vm, status, newIntent)) {
        StageTrace.mark(vm, "status", String.valueOf(status.getPhase()));
      } else {
        StageTrace.mark(vm, "status-superseded");
      }
    }
    StageTrace.mark(vm, "done");
    UpdateControl<QemuVM> control = UpdateControl.noUpdate();
    return recheck.map(control::rescheduleAfter).orElse(control);
  }

  /**
   * A Normal Event DiskImportStarted when a disk's fetch is first seen (a retried import, after a
   * failure, starts again); an Event when a disk import ends: DiskImported, or ImportFailed with
   * the importer's words.
   */
  private static void importEvents(
      QemuVM vm, QemuVMStatus old, QemuVMStatus status, VmEvents events) {
    for (var started : DiskImportProgress.started(diskImports(old), diskImports(status))) {
      events.normal(
          vm,
          "DiskImportStarted",
          "disk " + started.getName() + ": importing from " + started.getUrl());
    }
    Optional<io.qemuoperator.api.v1alpha1.status.Condition> before =
        disksReady(old).filter(c -> !c.getReason().equals(DiskImportState.IMPORTING));
    Optional<io.qemuoperator.api.v1alpha1.status.Condition> now = disksReady(status);
    if (now.isEmpty()
        || now.get().getReason().equals(DiskImportState.IMPORTING)
        || (before.isPresent()
            && before.get().getReason().equals(now.get().getReason())
            && before.get().getMessage().equals(now.get().getMessage()))) {
      return;
    }
    if (now.get().getReason().equals(DiskImportState.IMPORT_FAILED)) {
      events.warning(vm, DiskImportState.IMPORT_FAILED, now.get().getMessage());
    } else {
      events.normal(vm, "DiskImported", now.get().getMessage());
    }
  }

  private static List<io.qemuoperator.api.v1alpha1.status.DiskImportStatus> diskImports(
      QemuVMStatus status) {
    return status == null || status.getDiskImports() == null ? List.of() : status.getDiskImports();
  }

  private static Optional<io.qemuoperator.api.v1alpha1.status.Condition> disksReady(
      QemuVMStatus status) {
    return status == null || status.getConditions() == null
        ? Optional.empty()
        : status.getConditions().stream()
            .filter(c -> Conditions.DISKS_READY.equals(c.getType()))
            .findFirst();
  }

  /**
   * The importer of a pod whose init container imports the disks: it answers on the sidecar's
   * address and port, with the VM's token, once the pod has its address.
   */
  private Optional<SidecarEndpoint> importerEndpoint(Pod pod, Secret secret) {
    if (pod.getStatus() == null || pod.getStatus().getPodIP() == null) {
      return Optional.empty();
    }
    return Optional.of(
        SidecarEndpoint.of(
            pod.getStatus().getPodIP(), config.sidecarPort(), TokenSecret.token(secret)));
  }

  /** The importer's progress; empty when it does not answer (not listening yet, or done). */
  private Optional<io.qemuoperator.sidecar.api.ImportProgress> importProgress(
      SidecarEndpoint importer) {
    try {
      return Optional.of(sidecar.importProgress(importer));
    } catch (SidecarException e) {
      log.debug("import progress at {} not readable: {}", importer, e.getMessage());
      return Optional.empty();
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
    stalePodReads.remove(id);
    metrics.vmGone(vm.getMetadata().getNamespace(), vm.getMetadata().getName());
    Optional<Pod> pod = vmPod(context);
    Optional<Secret> secret = context.getSecondaryResource(Secret.class);
    Optional<SidecarEndpoint> endpoint = pod.flatMap(p -> secret.flatMap(s -> endpoint(p, s)));
    if (endpoint.isEmpty()) {
      qmpEvents.forget(id);
      return DeleteControl.defaultDelete();
    }
    var events = new VmEvents(context.getClient(), clock, eventCounts);
    Instant now = clock.instant();
    VmSnapshot snapshot;
    try {
      snapshot = sidecar.state(endpoint.get());
    } catch (SidecarException e) {
      qmpEvents.forget(id);
      return DeleteControl.defaultDelete(); // QEMU not reachable: nothing to power down
    }
    DesiredVm off = SpecReader.stopped(vm);
    Optional<Instant> since = RecordedIntent.powerdownSince(vm);
    Plan plan =
        planner.plan(off, snapshot.observed(), new PriorIntent(OptionalLong.empty(), since), now);
    for (QmpAction action : plan.actions()) {
      if (send(vm, endpoint.get(), action, events).isEmpty()) {
        events.record(
            vm,
            action.warning(),
            action.reason(),
            action.describe() + " (the QemuVM is being deleted)");
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
      patchStatus(context, vm, status, true);
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
    log.debug("reconcile failure of {}", vm.getMetadata().getName(), e);
    // A fresh object: what the informer cache returned is never mutated.
    QemuVMStatus status = statuses.reconcileError(vm, e, clock.instant());
    metrics.vmReady(vm.getMetadata().getNamespace(), vm.getMetadata().getName(), isReady(status));
    QemuVM patch = statusPatch(vm, status);
    return ErrorStatusUpdateControl.patchStatus(patch);
  }

  /**
   * Patches the status and puts the result into JOSDK's cache at once: the status carries intent
   * (the balloon target sent, when power-down began), and the next pass must read it, not an older
   * copy. The patch carries the QemuVM's resourceVersion (JOSDK caches only what follows the copy
   * it has). When the QemuVM changed during the pass (a spec write), the patch goes onto the newer
   * copy JOSDK's cache already holds rather than meeting a 409 first; after a 409, JOSDK waits for
   * its cache to see the change, looking every {@link #CONFLICT_CACHE_POLL} (its default, 50 ms,
   * was most of what a spec change right after another one waited).
   *
   * <p>When that newer copy is a newer generation of the spec and this pass recorded no new intent,
   * nothing is written: JOSDK runs the pass for that generation next, and its status replaces this
   * one (the status keeps saying, by its observedGeneration, which spec it observed).
   *
   * @return false when the status was left to the pass for a newer generation
   */
  private static boolean patchStatus(
      Context<QemuVM> context, QemuVM vm, QemuVMStatus status, boolean newIntent) {
    QemuVM base =
        context
            .getPrimaryCache()
            .get(ResourceID.fromResource(vm))
            .map(io.fabric8.kubernetes.client.utils.Serialization::clone)
            .orElse(vm);
    try {
      PrimaryUpdateAndCacheUtils.updateAndCacheResource(
          base,
          context,
          current -> {
            if (!newIntent && generation(current) > generation(vm)) {
              throw SUPERSEDED;
            }
            return current;
          },
          r -> context.getClient().resource(r).editStatus(current -> withStatus(current, status)),
          PrimaryUpdateAndCacheUtils.DEFAULT_MAX_RETRY,
          PrimaryUpdateAndCacheUtils.DEFAULT_RESOURCE_CACHE_TIMEOUT_MILLIS,
          CONFLICT_CACHE_POLL.toMillis());
      return true;
    } catch (Superseded e) {
      return false;
    }
  }

  /** A status left to the pass for a newer generation (no stack trace: it is not an error). */
  private static final class Superseded extends RuntimeException {
    @Serial private static final long serialVersionUID = 1L;

    Superseded() {
      super("a newer generation is known", null, false, false);
    }
  }

  private static final Superseded SUPERSEDED = new Superseded();

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
