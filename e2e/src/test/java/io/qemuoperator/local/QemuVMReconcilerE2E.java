package io.qemuoperator.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.api.v1alpha1.spec.DiskSpec;
import io.qemuoperator.api.v1alpha1.spec.MigrationSpec;
import io.qemuoperator.api.v1alpha1.spec.QemuVMSpec;
import io.qemuoperator.api.v1alpha1.status.Condition;
import io.qemuoperator.api.v1alpha1.status.QemuVMPhase;
import io.qemuoperator.operator.OperatorConfig;
import io.qemuoperator.operator.QemuOperator;
import io.qemuoperator.operator.testing.TestingNodeAgent;
import io.qemuoperator.testing.RawQmp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The operator end to end against Fabric8's mock API server (CRUD mode), with the node agent
 * running each VM pod as real QEMU and the real sidecar. QEMU's state is checked over a second,
 * independent QMP monitor, not through the operator's code.
 */
@EnableKubernetesMockClient(crud = true)
class QemuVMReconcilerIT {
  static KubernetesClient client;

  static {
    // The mock API server logs every request (java.util.logging) at INFO.
    var root = java.util.logging.Logger.getLogger("");
    root.setLevel(java.util.logging.Level.WARNING);
    for (var handler : root.getHandlers()) {
      handler.setLevel(java.util.logging.Level.WARNING);
    }
  }

  private static final String NS = "test";
  private static final long MIB = 1 << 20;
  private Path root;
  private TestingNodeAgent agent;
  private QemuOperator operator;

  @BeforeEach
  void start() throws Exception {
    root = Files.createTempDirectory("qo-");
    agent = new TestingNodeAgent(client, root);
    var config =
        new OperatorConfig("qemu:test", "sidecar:test", 9443, 128 * MIB, Duration.ofMinutes(5));
    operator = QemuOperator.start(client, config);
  }

  @AfterEach
  void stop() throws Exception {
    if (operator != null) {
      operator.close();
    }
    if (agent != null) {
      agent.close();
    }
    try (var files = Files.walk(root)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private static QemuVM vm(String name, Consumer<QemuVMSpec> spec) {
    var vm = new QemuVM();
    vm.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NS).build());
    var s = new QemuVMSpec();
    s.setCpus(1);
    s.setMemory(new Quantity("128Mi"));
    var disk = new DiskSpec();
    disk.setName("root");
    disk.setSize(new Quantity("64Mi"));
    s.setDisks(List.of(disk));
    s.setTerminationGracePeriodSeconds(2L);
    spec.accept(s);
    vm.setSpec(s);
    return vm;
  }

  private static QemuVM get(String name) {
    return client.resources(QemuVM.class).inNamespace(NS).withName(name).get();
  }

  private static void edit(String name, Consumer<QemuVMSpec> change) {
    client
        .resources(QemuVM.class)
        .inNamespace(NS)
        .withName(name)
        .edit(
            vm -> {
              change.accept(vm.getSpec());
              return vm;
            });
  }

  private static QemuVM await(String name, String what, Predicate<QemuVM> until) {
    try {
      Awaitility.await(name + ": " + what)
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(100))
          .until(
              () ->
                  Optional.ofNullable(get(name))
                      .map(vm -> vm.getStatus() != null && until.test(vm))
                      .orElse(false));
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      QemuVM vm = get(name);
      throw new AssertionError(
          name + ": " + what + " not reached; status: " + (vm == null ? "gone" : vm.getStatus()),
          e);
    }
    return get(name);
  }

  private static Optional<Condition> condition(QemuVM vm, String type) {
    return vm.getStatus().getConditions().stream()
        .filter(c -> c.getType().equals(type))
        .findFirst();
  }

  private static boolean isTrue(QemuVM vm, String type) {
    return condition(vm, type).map(c -> Condition.TRUE.equals(c.getStatus())).orElse(false);
  }

  private RawQmp observer(String vm) {
    return RawQmp.connect(agent.observerSocket(NS, vm + "-qemu"));
  }

  private static List<String> eventReasons(String vm) {
    return client.v1().events().inNamespace(NS).list().getItems().stream()
        .filter(e -> vm.equals(e.getInvolvedObject().getName()))
        .map(io.fabric8.kubernetes.api.model.Event::getReason)
        .toList();
  }

  @Test
  void aVmReachesItsSpecAndFollowsEveryChange() throws Exception {
    client
        .resource(
            vm(
                "web-1",
                s -> {
                  s.setBalloon(new Quantity("96Mi"));
                  s.setMigration(new MigrationSpec(new Quantity("32Mi"), "500ms"));
                }))
        .create();

    QemuVM running = await("web-1", "Ready and running", vm -> isTrue(vm, Conditions.READY));
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
    assertThat(running.getStatus().getObservedGeneration())
        .isEqualTo(running.getMetadata().getGeneration());
    try (var qmp = observer("web-1")) {
      assertThat(qmp.runState()).isEqualTo("running");
      assertThat(qmp.execute("query-migrate-parameters", null).at("/return/max-bandwidth").asLong())
          .isEqualTo(32 * MIB);
    }
    assertThat(eventReasons("web-1")).contains("BalloonSet", "MigrationSpeedSet", "Resumed");

    // pause and resume, checked over the independent monitor
    edit("web-1", s -> s.setPaused(true));
    await(
        "web-1",
        "paused",
        vm -> vm.getStatus().getPhase() == QemuVMPhase.Paused && isTrue(vm, Conditions.READY));
    try (var qmp = observer("web-1")) {
      assertThat(qmp.runState()).isEqualTo("paused");
    }
    edit("web-1", s -> s.setPaused(false));
    await("web-1", "running again", vm -> "running".equals(vm.getStatus().getRunState()));

    // the disk grows, on disk too; a shrink is refused with a condition and changes nothing
    edit("web-1", s -> s.getDisks().get(0).setSize(new Quantity("128Mi")));
    await(
        "web-1", "disk grown", vm -> vm.getStatus().getDisks().get(0).getSizeBytes() == 128 * MIB);
    Path image = agent.podDir(NS, "web-1-qemu").resolve("disks/root/disk.qcow2");
    assertThat(qemuImgVirtualSize(image)).isEqualTo(128 * MIB);
    edit("web-1", s -> s.getDisks().get(0).setSize(new Quantity("32Mi")));
    QemuVM refused =
        await(
            "web-1",
            "shrink refused",
            vm ->
                condition(vm, Conditions.SYNCED)
                    .map(c -> "DiskShrinkRefused".equals(c.getReason()))
                    .orElse(false));
    assertThat(refused.getStatus().getDisks().get(0).getSizeBytes()).isEqualTo(128 * MIB);
    assertThat(qemuImgVirtualSize(image)).isEqualTo(128 * MIB);
    edit("web-1", s -> s.getDisks().get(0).setSize(new Quantity("128Mi")));
    await("web-1", "in sync again", vm -> isTrue(vm, Conditions.SYNCED));

    // someone stops the VM behind the operator's back: it is put back, and an Event says so
    try (var qmp = observer("web-1")) {
      qmp.execute("stop", null);
      Awaitility.await("drift corrected")
          .atMost(Duration.ofSeconds(20))
          .until(() -> qmp.runState().equals("running"));
    }
    assertThat(eventReasons("web-1")).contains("DriftCorrected");

    // running: false → ACPI power-down, no guest OS to act on it, quit after the grace period
    edit("web-1", s -> s.setRunning(false));
    QemuVM stopped =
        await("web-1", "stopped", vm -> vm.getStatus().getPhase() == QemuVMPhase.Stopped);
    assertThat(client.pods().inNamespace(NS).withName("web-1-qemu").get()).isNull();
    assertThat(eventReasons("web-1")).contains("PowerdownRequested", "Quit");
    assertThat(stopped.getStatus().getRunState()).isNull();
  }

  @Test
  void anInvalidSpecIsReportedNotActedOn() {
    client.resource(vm("bad-1", s -> s.setBalloon(new Quantity("1Gi")))).create();
    QemuVM bad = await("bad-1", "invalid", vm -> condition(vm, Conditions.SPEC_VALID).isPresent());
    assertThat(condition(bad, Conditions.SPEC_VALID).get().getStatus()).isEqualTo(Condition.FALSE);
    assertThat(condition(bad, Conditions.SPEC_VALID).get().getMessage()).contains("balloon");
    assertThat(condition(bad, Conditions.READY).get().getReason()).isEqualTo("InvalidSpec");
    assertThat(client.pods().inNamespace(NS).withName("bad-1-qemu").get()).isNull();
  }

  @Test
  void aKilledQemuIsReportedThenRestartedAndTheSpecReappliedWithoutRepeats() throws Exception {
    client.resource(vm("crash-1", s -> s.setBalloon(new Quantity("100Mi")))).create();
    await("crash-1", "Ready", vm -> isTrue(vm, Conditions.READY));
    long balloonEvents = eventReasons("crash-1").stream().filter("BalloonSet"::equals).count();
    assertThat(balloonEvents).isOne();

    long thread = get("crash-1").getStatus().getCpus().get(0).getThreadId();
    agent.qemu(NS, "crash-1-qemu").destroyForcibly();
    QemuVM down = await("crash-1", "QEMU reported down", vm -> !isTrue(vm, Conditions.READY));
    assertThat(down.getStatus().getPhase()).isIn(QemuVMPhase.Failed, QemuVMPhase.Starting);
    QemuVM back =
        await(
            "crash-1",
            "Ready again on a new QEMU",
            vm ->
                isTrue(vm, Conditions.READY)
                    && vm.getStatus().getCpus().get(0).getThreadId() != thread);
    assertThat(back.getStatus().getRunState()).isEqualTo("running");
    assertThat(eventReasons("crash-1").stream().filter("BalloonSet"::equals).count())
        .as("the new QEMU got the balloon target, once")
        .isEqualTo(2);

    // the sidecar restarts: a new instance, a full resync, and nothing is sent again
    int before = eventReasons("crash-1").size();
    String oldInstance = back.getStatus().getSidecarInstance();
    agent.restartSidecar(NS, "crash-1-qemu");
    await(
        "crash-1",
        "re-read through the new sidecar",
        vm ->
            !oldInstance.equals(vm.getStatus().getSidecarInstance())
                && isTrue(vm, Conditions.READY));
    assertThat(eventReasons("crash-1").subList(before, eventReasons("crash-1").size()))
        .as("a restarted sidecar finds the same QEMU and changes nothing in it")
        .isEmpty();
  }

  private static long qemuImgVirtualSize(Path image) throws Exception {
    Process p =
        new ProcessBuilder("qemu-img", "info", "-U", "--output=json", image.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes());
    p.waitFor();
    return new com.fasterxml.jackson.databind.ObjectMapper()
        .readTree(out)
        .path("virtual-size")
        .asLong();
  }
}
