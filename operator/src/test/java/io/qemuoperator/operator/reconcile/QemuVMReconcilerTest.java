package io.qemuoperator.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.api.v1alpha1.QemuVMApi;
import io.qemuoperator.api.v1alpha1.spec.DiskSpec;
import io.qemuoperator.api.v1alpha1.spec.MigrationSpec;
import io.qemuoperator.api.v1alpha1.spec.QemuVMSpec;
import io.qemuoperator.api.v1alpha1.spec.UpdateStrategy;
import io.qemuoperator.api.v1alpha1.status.Condition;
import io.qemuoperator.api.v1alpha1.status.DiskStatus;
import io.qemuoperator.api.v1alpha1.status.QemuVMPhase;
import io.qemuoperator.api.v1alpha1.status.QemuVMStatus;
import io.qemuoperator.operator.OperatorConfig;
import io.qemuoperator.operator.OperatorDeployment;
import io.qemuoperator.operator.QemuOperator;
import io.qemuoperator.operator.plan.DiskSizing;
import io.qemuoperator.operator.pod.DiskClaims;
import io.qemuoperator.operator.pod.VmPod;
import io.qemuoperator.operator.testing.StatusHistory;
import io.qemuoperator.operator.testing.TestingApiServer;
import io.qemuoperator.operator.testing.TestingKubelet;
import io.qemuoperator.operator.testing.TestingQemu;
import io.qemuoperator.operator.testing.TestingSidecar;
import io.qemuoperator.qmp.types.BalloonArguments;
import io.qemuoperator.qmp.types.BlockResizeArguments;
import io.qemuoperator.qmp.types.MigrateSetDowntimeArguments;
import io.qemuoperator.qmp.types.MigrateSetSpeedArguments;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * The real operator (JOSDK, the reconciler, its event sources) on Fabric8's mock API server in CRUD
 * mode, with doubles below it: {@link TestingKubelet} runs each VM pod as a {@link TestingQemu} in
 * the {@link TestingSidecar} and binds and grows claims. Each test has a QemuVM of its own; the
 * operator is shared.
 */
@Execution(ExecutionMode.CONCURRENT)
class QemuVMReconcilerTest {
  private static final String NS = "vms";
  private static final long MIB = 1L << 20;
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final Duration POLL = Duration.ofMillis(20);

  private static TestingApiServer api;
  private static KubernetesClient client;
  private static TestingSidecar sidecar;
  private static TestingKubelet kubelet;
  private static QemuOperator operator;

  @BeforeAll
  static void start() {
    api = TestingApiServer.start();
    client = api.client();
    sidecar = new TestingSidecar();
    kubelet = new TestingKubelet(client, sidecar);
    operator =
        QemuOperator.start(
            client,
            new OperatorConfig(
                "qemu:test", "qmp-sidecar:test", 9443, 128L << 20, Duration.ofMinutes(5)),
            OperatorDeployment.single(),
            metrics -> sidecar);
  }

  @AfterAll
  static void stop() throws Exception {
    // the operator first (its QMP event watches end), the API server last
    Exception failed = null;
    for (AutoCloseable started : new AutoCloseable[] {operator, kubelet, sidecar, api}) {
      try {
        if (started != null) {
          started.close();
        }
      } catch (Exception e) {
        if (failed == null) {
          failed = e;
        } else {
          failed.addSuppressed(e);
        }
      }
    }
    if (failed != null) {
      throw failed;
    }
  }

  @Test
  void aNewVmConvergesAndStatusSaysWhatQemuRuns() {
    create(
        "new-1",
        spec -> {
          spec.setCpus(2);
          spec.setBalloon(new Quantity("96Mi"));
          spec.setMigration(new MigrationSpec(new Quantity("32Mi"), "500ms"));
        });

    QemuVM vm = awaitVm("new-1", "Ready", v -> isTrue(v, Conditions.READY));

    Pod pod = pod("new-1");
    String host = pod.getStatus().getPodIP();
    QemuVMStatus status = vm.getStatus();
    assertThat(status.getPhase()).isEqualTo(QemuVMPhase.Running);
    assertThat(status.getVcpus()).isEqualTo(2);
    assertThat(status.getMemory().getBoot().toString()).isEqualTo("128Mi");
    assertThat(status.getMemory().getTarget()).isEqualTo(96 * MIB);
    assertThat(status.getMemory().getActual()).isEqualTo(96 * MIB);
    assertThat(status.getIntent().getLaunchRevision())
        .isNotEmpty()
        .isEqualTo(pod.getMetadata().getLabels().get(VmPod.REVISION));
    assertThat(status.getDisks())
        .extracting(DiskStatus::getName, DiskStatus::getSizeBytes)
        .containsExactly(tuple("root", 64 * MIB));
    assertThat(status.getMigration().getMaxBandwidth()).isEqualTo(32 * MIB);
    assertThat(status.getMigration().getMaxDowntimeMs()).isEqualTo(500);
    assertThat(isTrue(vm, Conditions.SYNCED)).isTrue();
    assertThat(isTrue(vm, Conditions.SIDECAR_CONNECTED)).isTrue();
    assertThat(isTrue(vm, Conditions.PAUSED)).isFalse();

    // the order the planner promises: balloon and migration tuning in place before cont
    assertThat(sidecar.sentTo(host))
        .extracting(TestingSidecar.Sent::command, TestingSidecar.Sent::arguments)
        .containsExactly(
            tuple("balloon", new BalloonArguments(96 * MIB)),
            tuple("migrate_set_speed", new MigrateSetSpeedArguments(32 * MIB)),
            tuple("migrate_set_downtime", new MigrateSetDowntimeArguments(0.5)),
            tuple("cont", null));
    TestingQemu qemu = sidecar.qemu(host);
    assertThat(qemu.runState()).isEqualTo("running");
    assertThat(qemu.vcpus()).isEqualTo(2);
    assertThat(qemu.balloonActual()).isEqualTo(96 * MIB);
    assertThat(qemu.maxBandwidth()).isEqualTo(32 * MIB);
    assertThat(qemu.downtimeLimitMillis()).isEqualTo(500);
  }

  @Test
  void aQemuPausedBehindTheOperatorsBackIsResumed() {
    create("drift-1", spec -> {});
    awaitVm("drift-1", "Ready", v -> isTrue(v, Conditions.READY));
    String host = host("drift-1");
    TestingQemu qemu = sidecar.qemu(host);

    qemu.stop();

    Event corrected = awaitEvent("drift-1", "DriftCorrected");
    assertThat(corrected.getType()).isEqualTo("Normal");
    assertThat(corrected.getMessage()).contains("run state paused", "(cont)");
    assertThat(qemu.runState()).isEqualTo("running");
    assertThat(sidecar.commandsTo(host)).containsExactly("cont", "cont");
    awaitVm("drift-1", "Ready and not paused", v -> isTrue(v, Conditions.READY) && running(v));
  }

  @Test
  void aBootTimeChangeRestartsTheVmGracefullyAndNeverReportsInSyncBeforeIt() {
    create("restart-1", spec -> spec.setCpus(1));
    QemuVM first = awaitVm("restart-1", "Ready", v -> isTrue(v, Conditions.READY));
    Pod oldPod = pod("restart-1");
    String oldHost = oldPod.getStatus().getPodIP();
    String oldQemu = first.getStatus().getIntent().getQemu();

    try (var history = new StatusHistory(client, NS, "restart-1")) {
      QemuVM edited = edit("restart-1", spec -> spec.setCpus(2));
      long generation = edited.getMetadata().getGeneration();

      QemuVM restarted =
          awaitVm(
              "restart-1",
              "Ready with two vCPUs",
              v ->
                  isTrue(v, Conditions.READY)
                      && Integer.valueOf(2).equals(v.getStatus().getVcpus()));

      assertThat(isTrue(restarted, Conditions.SYNCED)).isTrue();
      assertThat(restarted.getStatus().getIntent().getQemu()).isNotEqualTo(oldQemu);
      assertThat(sidecar.commandsTo(oldHost)).containsExactly("cont", "system_powerdown", "quit");
      assertThat(sidecar.qemu(oldHost)).as("the old pod's QEMU is gone with its pod").isNull();

      Pod newPod = pod("restart-1");
      assertThat(newPod.getMetadata().getUid()).isNotEqualTo(oldPod.getMetadata().getUid());
      assertThat(newPod.getMetadata().getLabels().get(VmPod.REVISION))
          .isNotEqualTo(oldPod.getMetadata().getLabels().get(VmPod.REVISION))
          .isEqualTo(restarted.getStatus().getIntent().getLaunchRevision());
      String newHost = newPod.getStatus().getPodIP();
      assertThat(sidecar.qemu(newHost).vcpus()).isEqualTo(2);
      assertThat(sidecar.commandsTo(newHost)).containsExactly("cont");

      List<QemuVMStatus> oldQemuNewSpec =
          history.versions().stream()
              .map(StatusHistory.Version::status)
              .filter(s -> s != null && Long.valueOf(generation).equals(s.getObservedGeneration()))
              .filter(s -> s.getIntent() != null && oldQemu.equals(s.getIntent().getQemu()))
              .toList();
      assertThat(oldQemuNewSpec)
          .as("statuses of the new spec while the old QEMU ran")
          .isNotEmpty()
          .allSatisfy(
              s ->
                  assertThat(condition(s, Conditions.SYNCED))
                      .hasValueSatisfying(
                          c -> {
                            assertThat(c.getStatus()).isEqualTo(Condition.FALSE);
                            assertThat(c.getReason()).isEqualTo("Restarting");
                          }));
    }
    assertThat(awaitEvent("restart-1", "PowerdownRequested").getMessage())
        .contains("restarting to apply: spec.cpus 1 → 2");
  }

  @Test
  void manualWaitsWithRestartRequiredUntilARestartIsRequested() {
    create("manual-1", spec -> spec.setUpdateStrategy(UpdateStrategy.Manual));
    QemuVM first = awaitVm("manual-1", "Ready", v -> isTrue(v, Conditions.READY));
    String host = host("manual-1");

    long generation = edit("manual-1", spec -> spec.setCpus(2)).getMetadata().getGeneration();

    QemuVM pending =
        awaitVm(
            "manual-1",
            "Synced=False RestartRequired",
            v ->
                observed(v, generation)
                    && condition(v.getStatus(), Conditions.SYNCED)
                        .map(c -> "RestartRequired".equals(c.getReason()))
                        .orElse(false));
    Condition synced = condition(pending.getStatus(), Conditions.SYNCED).orElseThrow();
    assertThat(synced.getStatus()).isEqualTo(Condition.FALSE);
    assertThat(synced.getMessage()).contains("spec.cpus 1 → 2", QemuVMApi.RESTARTED_AT_ANNOTATION);
    assertThat(isTrue(pending, Conditions.READY)).as("the VM runs on as it is").isTrue();
    assertThat(pending.getStatus().getVcpus()).isEqualTo(1);
    assertThat(pending.getStatus().getIntent().getQemu())
        .isEqualTo(first.getStatus().getIntent().getQemu());
    assertThat(sidecar.commandsTo(host)).containsExactly("cont");
    assertThat(sidecar.qemu(host).hasQuit()).isFalse();

    String requested = Instant.now().toString();
    client
        .resources(QemuVM.class)
        .inNamespace(NS)
        .withName("manual-1")
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            "{\"metadata\":{\"annotations\":{\""
                + QemuVMApi.RESTARTED_AT_ANNOTATION
                + "\":\""
                + requested
                + "\"}}}");

    QemuVM restarted =
        awaitVm(
            "manual-1",
            "Ready with two vCPUs",
            v ->
                isTrue(v, Conditions.READY) && Integer.valueOf(2).equals(v.getStatus().getVcpus()));
    assertThat(isTrue(restarted, Conditions.SYNCED)).isTrue();
    assertThat(sidecar.commandsTo(host)).containsExactly("cont", "system_powerdown", "quit");
    Pod newPod = pod("manual-1");
    assertThat(newPod.getMetadata().getAnnotations()).containsEntry(VmPod.RESTARTED_AT, requested);
    assertThat(sidecar.qemu(newPod.getStatus().getPodIP()).vcpus()).isEqualTo(2);
  }

  @Test
  void aRefusedCommandIsAnErrorStatusAndOneCountedWarningEvent() {
    create("error-1", spec -> {});
    awaitVm("error-1", "Ready", v -> isTrue(v, Conditions.READY));
    String host = host("error-1");
    TestingQemu qemu = sidecar.qemu(host);
    String desc = "Parameter 'target' expects a size";
    qemu.failNext("balloon", desc, 3);

    edit("error-1", spec -> spec.setBalloon(new Quantity("96Mi")));

    QemuVM failing =
        awaitVm(
            "error-1",
            "Synced=False QmpError",
            v ->
                condition(v.getStatus(), Conditions.SYNCED)
                    .map(c -> "QmpError".equals(c.getReason()))
                    .orElse(false));
    assertThat(condition(failing.getStatus(), Conditions.SYNCED).orElseThrow().getMessage())
        .isEqualTo("balloon failed: GenericError: " + desc);
    Event warning = awaitEvent("error-1", "QmpError");
    assertThat(warning.getType()).isEqualTo("Warning");
    assertThat(warning.getMessage()).isEqualTo("balloon failed: GenericError: " + desc);

    // the guest's balloon driver moves: each BALLOON_CHANGE is a pass, and the balloon fails again
    while (count(host, "balloon") < 3) {
      long sent = count(host, "balloon");
      qemu.guestBalloon((100 + sent) * MIB);
      await("another balloon attempt")
          .atMost(WAIT)
          .pollInterval(POLL)
          .until(() -> count(host, "balloon") > sent);
    }
    // the Event of the third failure is written after the command returned
    List<Event> warnings =
        await("the QmpError Event counted three times")
            .atMost(WAIT)
            .pollInterval(POLL)
            .until(
                () ->
                    events("error-1").stream()
                        .filter(e -> "QmpError".equals(e.getReason()))
                        .toList(),
                found -> found.stream().anyMatch(e -> Integer.valueOf(3).equals(e.getCount())));
    assertThat(warnings).as("one Event, counted").hasSize(1);

    // QEMU takes the next one
    qemu.guestBalloon(110 * MIB);
    QemuVM applied = awaitVm("error-1", "Synced again", v -> isTrue(v, Conditions.SYNCED));
    assertThat(applied.getStatus().getMemory().getTarget()).isEqualTo(96 * MIB);
    assertThat(qemu.balloonActual()).isEqualTo(96 * MIB);
  }

  /**
   * A 504 from the sidecar means "outcome unknown": QEMU may have run the command. The operator
   * sends nothing again on the strength of it; it reads QEMU first, and QEMU (paused by the stop
   * whose answer was lost) needs nothing more.
   */
  @Test
  void aCommandAnsweredWithoutAnOutcomeIsObservedNotRepeated() {
    create("lost-1", spec -> {});
    awaitVm("lost-1", "Ready", v -> isTrue(v, Conditions.READY));
    String host = host("lost-1");
    sidecar.runButAnswerTimeout(host, "stop");

    edit("lost-1", spec -> spec.setPaused(true));

    awaitEvent("lost-1", "QmpError");
    QemuVM paused =
        awaitVm("lost-1", "Paused", v -> v.getStatus().getPhase() == QemuVMPhase.Paused);
    assertThat(isTrue(paused, Conditions.SYNCED)).isTrue();
    assertThat(sidecar.qemu(host).runState()).isEqualTo("paused");
    // more passes (the resync, events) find QEMU paused: still the one stop
    sidecar.qemu(host).guestBalloon(100 * MIB);
    awaitVm("lost-1", "another pass", v -> v.getStatus().getMemory().getActual() == 100 * MIB);
    assertThat(count(host, "stop")).as("stop commands sent").isOne();
  }

  @Test
  void aGrownDiskGrowsItsClaimFirstThenQemusDisk() {
    create("disk-1", spec -> {});
    awaitVm("disk-1", "Ready", v -> isTrue(v, Conditions.READY));
    String host = host("disk-1");

    try (var history = new StatusHistory(client, NS, "disk-1")) {
      long generation =
          edit("disk-1", spec -> resize(spec, "root", "128Mi")).getMetadata().getGeneration();

      QemuVM grown =
          awaitVm(
              "disk-1",
              "root at 128Mi and Synced",
              v -> isTrue(v, Conditions.SYNCED) && rootBytes(v) == 128 * MIB);
      assertThat(observed(grown, generation)).isTrue();
      assertThat(history.versions())
          .as("the disk waited for its claim")
          .anySatisfy(
              version ->
                  assertThat(
                          condition(version.status(), Conditions.SYNCED).map(Condition::getReason))
                      .hasValue("ClaimResizing"));
    }
    PersistentVolumeClaim claim = claim("disk-1-root");
    assertThat(DiskClaims.requestBytes(claim)).isEqualTo(DiskSizing.claimBytes(128 * MIB));
    assertThat(DiskClaims.capacity(claim)).hasValue(DiskSizing.claimBytes(128 * MIB));
    assertThat(sidecar.commandsTo(host)).containsExactly("cont", "block_resize");
    assertThat(sidecar.sentTo(host).get(1).arguments())
        .isEqualTo(new BlockResizeArguments("root", 128 * MIB));
    assertThat(sidecar.qemu(host).diskBytes("root")).isEqualTo(128 * MIB);
    assertThat(events("disk-1")).extracting(Event::getReason).contains("ClaimGrown", "DiskResized");
  }

  @Test
  void aDiskWaitsWithClaimResizingWhileItsClaimHasNotGrown() {
    create("disk-2", spec -> {});
    awaitVm("disk-2", "Ready", v -> isTrue(v, Conditions.READY));
    String host = host("disk-2");
    kubelet.holdExpansion(NS, "disk-2-root");

    long generation =
        edit("disk-2", spec -> resize(spec, "root", "128Mi")).getMetadata().getGeneration();

    QemuVM waiting =
        awaitVm(
            "disk-2",
            "Synced=False ClaimResizing",
            v ->
                observed(v, generation)
                    && condition(v.getStatus(), Conditions.SYNCED)
                        .map(c -> "ClaimResizing".equals(c.getReason()))
                        .orElse(false));
    assertThat(condition(waiting.getStatus(), Conditions.SYNCED).orElseThrow().getStatus())
        .isEqualTo(Condition.FALSE);
    PersistentVolumeClaim claim = claim("disk-2-root");
    assertThat(DiskClaims.requestBytes(claim)).isEqualTo(DiskSizing.claimBytes(128 * MIB));
    assertThat(DiskClaims.capacity(claim)).hasValue(DiskSizing.claimBytes(64 * MIB));
    assertThat(sidecar.commandsTo(host)).doesNotContain("block_resize");
    assertThat(sidecar.qemu(host).diskBytes("root")).isEqualTo(64 * MIB);
    assertThat(rootBytes(waiting)).isEqualTo(64 * MIB);

    kubelet.releaseExpansion(NS, "disk-2-root");
    awaitVm(
        "disk-2",
        "root at 128Mi and Synced",
        v -> isTrue(v, Conditions.SYNCED) && rootBytes(v) == 128 * MIB);
    assertThat(sidecar.commandsTo(host)).containsExactly("cont", "block_resize");
  }

  @Test
  void deletingAVmPowersItDownQuitsQemuAndReleasesTheFinalizer() {
    create("gone-1", spec -> spec.setTerminationGracePeriodSeconds(1L));
    QemuVM vm = awaitVm("gone-1", "Ready", v -> isTrue(v, Conditions.READY));
    assertThat(vm.getMetadata().getFinalizers()).isNotEmpty();
    String host = host("gone-1");

    client.resources(QemuVM.class).inNamespace(NS).withName("gone-1").delete();

    await("the QemuVM is gone").atMost(WAIT).pollInterval(POLL).until(() -> get("gone-1") == null);
    assertThat(sidecar.commandsTo(host)).containsExactly("cont", "system_powerdown", "quit");
    assertThat(sidecar.qemu(host).hasQuit()).isTrue();
    assertThat(events("gone-1"))
        .filteredOn(e -> "PowerdownRequested".equals(e.getReason()))
        .singleElement()
        .extracting(Event::getMessage)
        .asString()
        .contains("the QemuVM is being deleted");
  }

  @Test
  void aGuestThatShutsDownIsQuitWithoutWaitingOutItsGracePeriod() {
    create("acpi-1", spec -> spec.setTerminationGracePeriodSeconds(60L));
    awaitVm("acpi-1", "Ready", v -> isTrue(v, Conditions.READY));
    String host = host("acpi-1");
    TestingQemu qemu = sidecar.qemu(host);
    qemu.acpiShutdown(true);

    client.resources(QemuVM.class).inNamespace(NS).withName("acpi-1").delete();

    await("the QemuVM is gone, well before its 60 s grace period")
        .atMost(WAIT)
        .pollInterval(POLL)
        .until(() -> get("acpi-1") == null);
    assertThat(sidecar.commandsTo(host)).containsExactly("cont", "system_powerdown", "quit");
    assertThat(qemu.hasQuit()).isTrue();
  }

  @Test
  void theGuestGetsItsWholeGracePeriodBeforeQemuIsQuit() {
    create("grace-1", spec -> spec.setTerminationGracePeriodSeconds(1L));
    awaitVm("grace-1", "Ready", v -> isTrue(v, Conditions.READY));
    String host = host("grace-1");

    try (var history = new StatusHistory(client, NS, "grace-1")) {
      client.resources(QemuVM.class).inNamespace(NS).withName("grace-1").delete();

      await("the QemuVM is gone")
          .atMost(WAIT)
          .pollInterval(POLL)
          .until(() -> get("grace-1") == null);
      Instant powerdown = sentAt(host, "system_powerdown");
      Instant quit = sentAt(host, "quit");
      List<String> recorded =
          history.versions().stream()
              .map(StatusHistory.Version::status)
              .filter(s -> s != null && s.getIntent() != null)
              .map(s -> s.getIntent().getPowerdownRequestedAt())
              .filter(at -> at != null)
              .distinct()
              .toList();
      assertThat(Duration.between(powerdown, quit))
          .as(
              "from system_powerdown (%s) to quit (%s); powerdownRequestedAt recorded: %s",
              powerdown, quit, recorded)
          .isGreaterThanOrEqualTo(Duration.ofSeconds(1));
    }
  }

  // --- the QemuVM and its objects

  private static void create(String name, Consumer<QemuVMSpec> customize) {
    var spec = new QemuVMSpec();
    spec.setMemory(new Quantity("128Mi"));
    spec.setDisks(new ArrayList<>(List.of(new DiskSpec("root", new Quantity("64Mi")))));
    spec.setTerminationGracePeriodSeconds(0L);
    customize.accept(spec);
    var vm = new QemuVM();
    vm.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NS).build());
    vm.setSpec(spec);
    client.resource(vm).create();
  }

  /**
   * Replaces the spec with a changed copy, as {@code kubectl patch --type json} would: no
   * resourceVersion, so the operator's status writes in between cause no conflict. (Not a merge
   * patch: the mock server merges lists instead of replacing them.)
   */
  private static QemuVM edit(String name, Consumer<QemuVMSpec> change) {
    QemuVMSpec spec = get(name).getSpec();
    change.accept(spec);
    return client
        .resources(QemuVM.class)
        .inNamespace(NS)
        .withName(name)
        .patch(
            PatchContext.of(PatchType.JSON),
            Serialization.asJson(List.of(Map.of("op", "replace", "path", "/spec", "value", spec))));
  }

  private static void resize(QemuVMSpec spec, String disk, String size) {
    spec.getDisks().stream()
        .filter(d -> d.getName().equals(disk))
        .forEach(d -> d.setSize(new Quantity(size)));
  }

  private static QemuVM get(String name) {
    return client.resources(QemuVM.class).inNamespace(NS).withName(name).get();
  }

  private static Pod pod(String vm) {
    return client.pods().inNamespace(NS).withName(vm + "-qemu").get();
  }

  private static String host(String vm) {
    return pod(vm).getStatus().getPodIP();
  }

  private static PersistentVolumeClaim claim(String name) {
    return client.persistentVolumeClaims().inNamespace(NS).withName(name).get();
  }

  private static long count(String host, String command) {
    return sidecar.commandsTo(host).stream().filter(command::equals).count();
  }

  private static Instant sentAt(String host, String command) {
    return sidecar.sentTo(host).stream()
        .filter(s -> s.command().equals(command))
        .findFirst()
        .orElseThrow()
        .at();
  }

  /** The Events recorded on the QemuVM {@code vm}. */
  private static List<Event> events(String vm) {
    return client.v1().events().inNamespace(NS).list().getItems().stream()
        .filter(e -> e.getInvolvedObject() != null)
        .filter(e -> vm.equals(e.getInvolvedObject().getName()))
        .toList();
  }

  private static Event awaitEvent(String vm, String reason) {
    return await("Event " + reason + " on " + vm)
        .atMost(WAIT)
        .pollInterval(POLL)
        .until(
            () -> events(vm).stream().filter(e -> reason.equals(e.getReason())).findFirst(),
            Optional::isPresent)
        .orElseThrow();
  }

  /** Waits until the QemuVM {@code name} satisfies {@code done}; fails with its last status. */
  private static QemuVM awaitVm(String name, String what, Predicate<QemuVM> done) {
    var last = new AtomicReference<QemuVM>();
    await(name + ": " + what)
        .atMost(WAIT)
        .pollInterval(POLL)
        .untilAsserted(
            () -> {
              QemuVM vm = get(name);
              last.set(vm);
              assertThat(vm != null && vm.getStatus() != null && done.test(vm))
                  .as("%s: %s; last status %s", name, what, vm == null ? "-" : vm.getStatus())
                  .isTrue();
            });
    return last.get();
  }

  // --- reading status

  private static Optional<Condition> condition(QemuVMStatus status, String type) {
    if (status == null || status.getConditions() == null) {
      return Optional.empty();
    }
    return status.getConditions().stream().filter(c -> type.equals(c.getType())).findFirst();
  }

  private static boolean isTrue(QemuVM vm, String type) {
    return condition(vm.getStatus(), type)
        .map(c -> Condition.TRUE.equals(c.getStatus()))
        .orElse(false);
  }

  private static boolean running(QemuVM vm) {
    return "running".equals(vm.getStatus().getRunState());
  }

  private static boolean observed(QemuVM vm, long generation) {
    return Long.valueOf(generation).equals(vm.getStatus().getObservedGeneration());
  }

  private static long rootBytes(QemuVM vm) {
    return vm.getStatus().getDisks() == null
        ? -1
        : vm.getStatus().getDisks().stream()
            .filter(d -> "root".equals(d.getName()))
            .map(DiskStatus::getSizeBytes)
            .findFirst()
            .orElse(-1L);
  }
}
