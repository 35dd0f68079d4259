package io.qemuoperator.local;

import static io.qemuoperator.local.E2eCluster.MIB;
import static io.qemuoperator.local.E2eCluster.condition;
import static io.qemuoperator.local.E2eCluster.isTrue;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.api.v1alpha1.QemuVMApi;
import io.qemuoperator.api.v1alpha1.spec.DiskSpec;
import io.qemuoperator.api.v1alpha1.spec.UpdateStrategy;
import io.qemuoperator.api.v1alpha1.status.CpuStatus;
import io.qemuoperator.api.v1alpha1.status.DiskStatus;
import io.qemuoperator.operator.reconcile.Conditions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Boot-time fields (cpus, memory, disks added) reach QEMU through a graceful restart, or wait for a
 * restart request under {@code updateStrategy: Manual}; status says what QEMU runs throughout. QEMU
 * is checked over a second, independent QMP monitor.
 */
@ParameterizedClass(name = "on the {0} API server")
@ValueSource(strings = {"mock", "real"})
class BootChangesE2E extends OnBothApiServers {
  private static final Duration RESTART = Duration.ofSeconds(90);

  @Test
  void bootTimeChangesRestartTheVmGracefullyAndStatusShowsWhatRuns() throws Exception {
    e2e.create(e2e.vm("boot-1", s -> {}));
    QemuVM first = e2e.await("boot-1", "Ready", vm -> isTrue(vm, Conditions.READY));
    assertThat(first.getStatus().getVcpus()).isEqualTo(1);
    assertThat(first.getStatus().getMemory().getBoot()).isEqualTo(new Quantity("128Mi"));
    Path image = image("boot-1", "root");
    Object imageKey = Files.readAttributes(image, BasicFileAttributes.class).fileKey();

    // cpus 1 → 2: power-down, grace period, a new QEMU with two vCPUs
    e2e.edit("boot-1", s -> s.setCpus(2));
    QemuVM two =
        e2e.await(
            "boot-1",
            "restarted with two vCPUs",
            RESTART,
            vm ->
                isTrue(vm, Conditions.READY)
                    && Integer.valueOf(2).equals(vm.getStatus().getVcpus()));
    assertThat(isTrue(two, Conditions.SYNCED)).isTrue();
    assertThat(threads(two)).doesNotContainAnyElementsOf(threads(first));
    try (var qmp = e2e.observer("boot-1")) {
      assertThat(qmp.execute("query-cpus-fast", null).path("return")).hasSize(2);
    }
    assertThat(e2e.eventReasons("boot-1")).contains("PowerdownRequested", "PowerdownTimedOut");

    // memory 128Mi → 192Mi and a disk added, in one change: one restart applies both
    e2e.edit(
        "boot-1",
        s -> {
          s.setMemory(new Quantity("192Mi"));
          var data = new DiskSpec();
          data.setName("data");
          data.setSize(new Quantity("32Mi"));
          var disks = new ArrayList<>(s.getDisks());
          disks.add(data);
          s.setDisks(disks);
        });
    QemuVM bigger =
        e2e.await(
            "boot-1",
            "restarted with 192Mi and the data disk",
            RESTART,
            vm ->
                isTrue(vm, Conditions.READY)
                    && new Quantity("192Mi").equals(vm.getStatus().getMemory().getBoot())
                    && vm.getStatus().getDisks().size() == 2);
    assertThat(bigger.getStatus().getDisks())
        .extracting(DiskStatus::getName)
        .containsExactly("root", "data");
    assertThat(bigger.getStatus().getVcpus()).isEqualTo(2);
    try (var qmp = e2e.observer("boot-1")) {
      assertThat(qmp.execute("query-memory-size-summary", null).at("/return/base-memory").asLong())
          .isEqualTo(192 * MIB);
      assertThat(qmp.execute("query-block", null).path("return").toString()).contains("\"data\"");
    }
    assertThat(Files.readAttributes(image("boot-1", "root"), BasicFileAttributes.class).fileKey())
        .as("the root disk's image is the one the first QEMU used: disks are kept")
        .isEqualTo(imageKey);
  }

  @Test
  void manualWaitsWithRestartRequiredUntilARestartIsRequested() throws Exception {
    e2e.create(e2e.vm("manual-1", s -> s.setUpdateStrategy(UpdateStrategy.Manual)));
    QemuVM first = e2e.await("manual-1", "Ready", vm -> isTrue(vm, Conditions.READY));

    e2e.edit("manual-1", s -> s.setCpus(2));
    QemuVM pending =
        e2e.await(
            "manual-1",
            "RestartRequired",
            vm ->
                condition(vm, Conditions.SYNCED)
                    .map(c -> "RestartRequired".equals(c.getReason()))
                    .orElse(false));
    assertThat(condition(pending, Conditions.SYNCED).get().getMessage())
        .contains("spec.cpus 1 → 2", QemuVMApi.RESTARTED_AT_ANNOTATION);
    assertThat(isTrue(pending, Conditions.READY)).as("the VM runs on as it is").isTrue();
    assertThat(pending.getStatus().getVcpus()).isEqualTo(1);
    assertThat(threads(pending)).isEqualTo(threads(first));
    try (var qmp = e2e.observer("manual-1")) {
      assertThat(qmp.execute("query-cpus-fast", null).path("return")).hasSize(1);
    }

    requestRestart("manual-1");
    QemuVM restarted =
        e2e.await(
            "manual-1",
            "restarted with two vCPUs",
            RESTART,
            vm ->
                isTrue(vm, Conditions.READY)
                    && Integer.valueOf(2).equals(vm.getStatus().getVcpus()));
    assertThat(isTrue(restarted, Conditions.SYNCED)).isTrue();

    // a restart request on an unchanged VM restarts it too: a new QEMU, the same spec
    requestRestart("manual-1");
    QemuVM again =
        e2e.await(
            "manual-1",
            "restarted once more",
            RESTART,
            vm ->
                isTrue(vm, Conditions.READY)
                    && !threads(vm).isEmpty()
                    && !threads(vm).equals(threads(restarted)));
    assertThat(again.getStatus().getVcpus()).isEqualTo(2);
  }

  private void requestRestart(String name) {
    e2e.client
        .resources(QemuVM.class)
        .inNamespace(e2e.ns)
        .withName(name)
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            "{\"metadata\":{\"annotations\":{\""
                + QemuVMApi.RESTARTED_AT_ANNOTATION
                + "\":\""
                + Instant.now()
                + "\"}}}");
  }

  private static List<Long> threads(QemuVM vm) {
    return vm.getStatus().getCpus() == null
        ? List.of()
        : vm.getStatus().getCpus().stream().map(CpuStatus::getThreadId).toList();
  }

  /** The host file of a disk's image, as QEMU itself reports it. */
  private Path image(String vm, String disk) {
    try (var qmp = e2e.observer(vm)) {
      JsonNode blocks = qmp.execute("query-block", null).path("return");
      return StreamSupport.stream(blocks.spliterator(), false)
          .filter(b -> disk.equals(b.path("device").asText()))
          .map(b -> Path.of(b.at("/inserted/file").asText()))
          .findFirst()
          .orElseThrow(() -> new AssertionError("no drive " + disk + " in " + blocks));
    }
  }
}
