package io.qemuoperator.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.api.v1alpha1.spec.QemuVMSpec;
import io.qemuoperator.api.v1alpha1.status.Condition;
import io.qemuoperator.api.v1alpha1.status.DiskImportStatus;
import io.qemuoperator.api.v1alpha1.status.QemuVMStatus;
import io.qemuoperator.operator.plan.DesiredVm;
import io.qemuoperator.operator.pod.DiskImport;
import io.qemuoperator.sidecar.api.ImportProgress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class DiskImportProgressTest {
  private static final long MIB = 1 << 20;
  private static final String URL = "http://images.example/a.qcow2";
  private static final Instant T0 = Instant.parse("2026-11-28T06:00:00Z");

  private static ImportProgress.Disk disk(String phase, long done, Long total) {
    return new ImportProgress.Disk("root", URL, phase, done, total, T0);
  }

  @Test
  void bytesRoundDownTo64KiBAndPercentToAWholeNumber() {
    DiskImportStatus status =
        DiskImportProgress.status(disk(ImportProgress.FETCHING, 12 * MIB + 70_000, 27 * MIB));
    assertThat(status.getBytesDone()).isEqualTo(12 * MIB + 65_536);
    assertThat(status.getBytesTotal()).isEqualTo(27 * MIB);
    assertThat(status.getPercent()).isEqualTo(44);
    assertThat(DiskImportProgress.message(List.of(status)))
        .isEqualTo("disk root: 44% (12.1 of 27.0 MiB) from " + URL);

    assertThat(DiskImportProgress.status(disk(ImportProgress.FETCHING, 12 * MIB + 100, 27 * MIB)))
        .as("a few bytes more change nothing: no status write")
        .isEqualTo(DiskImportProgress.status(disk(ImportProgress.FETCHING, 12 * MIB, 27 * MIB)));
    DiskImportStatus whole =
        DiskImportProgress.status(disk(ImportProgress.VERIFYING, 27 * MIB - 5, 27 * MIB - 5));
    assertThat(whole.getBytesDone()).as("exact once complete").isEqualTo(27 * MIB - 5);
    assertThat(whole.getPercent()).isEqualTo(100);
  }

  @Test
  void withoutALengthOnlyTheBytes() {
    DiskImportStatus status =
        DiskImportProgress.status(disk(ImportProgress.FETCHING, 3 * MIB, null));
    assertThat(status.getPercent()).isNull();
    assertThat(status.getBytesTotal()).isNull();
    assertThat(DiskImportProgress.message(List.of(status)))
        .isEqualTo("disk root: 3.0 MiB from " + URL);
  }

  @Test
  void oneClausePerDisk() {
    var progress =
        new ImportProgress(
            List.of(
                new ImportProgress.Disk("root", URL, ImportProgress.DONE, 2 * MIB, 2 * MIB, T0),
                new ImportProgress.Disk("data", URL, ImportProgress.WAITING, 0, null, null)));
    assertThat(DiskImportProgress.message(DiskImportProgress.statuses(progress)))
        .isEqualTo(
            "disk root: fetched and verified (2.0 of 2.0 MiB) from "
                + URL
                + "; disk data: waiting from "
                + URL);
  }

  @Test
  void aDiskStartsWhenItLeavesWaiting() {
    var waiting = DiskImportProgress.status(disk(ImportProgress.WAITING, 0, null));
    var fetching = DiskImportProgress.status(disk(ImportProgress.FETCHING, MIB, 2 * MIB));
    var further = DiskImportProgress.status(disk(ImportProgress.FETCHING, 2 * MIB, 2 * MIB));
    assertThat(DiskImportProgress.started(List.of(), List.of(fetching))).containsExactly(fetching);
    assertThat(DiskImportProgress.started(List.of(waiting), List.of(fetching)))
        .containsExactly(fetching);
    assertThat(DiskImportProgress.started(List.of(fetching), List.of(further))).isEmpty();
    assertThat(DiskImportProgress.started(List.of(), List.of(waiting))).isEmpty();
  }

  @Test
  void theStatusShowsTheProgressWhileTheImportRunsAndKeepsItWhenAPassCannotReadIt() {
    var aggregator = new StatusAggregator();
    Pod pod = importingPod();
    var progress =
        new ImportProgress(List.of(disk(ImportProgress.FETCHING, 12 * MIB + 70_000, 27 * MIB)));
    Observation seen =
        Observation.notReached(Optional.of(pod), Optional.empty())
            .withImportProgress(Optional.of(progress));
    QemuVMStatus status = aggregator.status(vm(null), desired(), seen, T0);
    assertThat(status.getDiskImports()).hasSize(1);
    assertThat(status.getDiskImports().getFirst().getPercent()).isEqualTo(44);
    Condition disks = condition(status, Conditions.DISKS_READY);
    assertThat(disks.getStatus()).isEqualTo(Condition.FALSE);
    assertThat(disks.getReason()).isEqualTo("Importing");
    assertThat(disks.getMessage()).isEqualTo("disk root: 44% (12.1 of 27.0 MiB) from " + URL);

    QemuVMStatus unread =
        aggregator.status(
            vm(status),
            desired(),
            Observation.notReached(Optional.of(pod), Optional.empty()),
            T0.plusSeconds(3));
    assertThat(unread.getDiskImports()).isEqualTo(status.getDiskImports());
    assertThat(condition(unread, Conditions.DISKS_READY).getMessage())
        .isEqualTo(disks.getMessage());
    assertThat(unread).as("nothing to write").isEqualTo(status);
  }

  private static Condition condition(QemuVMStatus status, String type) {
    return status.getConditions().stream()
        .filter(c -> c.getType().equals(type))
        .findFirst()
        .orElseThrow();
  }

  private static QemuVM vm(QemuVMStatus status) {
    var vm = new QemuVM();
    vm.setMetadata(
        new ObjectMetaBuilder().withName("web-1").withNamespace("ns").withGeneration(1L).build());
    vm.setSpec(new QemuVMSpec());
    vm.setStatus(status);
    return vm;
  }

  private static DesiredVm desired() {
    return io.qemuoperator.operator.plan.PlanFixtures.desired(
        true,
        false,
        128L << 20,
        OptionalLong.empty(),
        Map.of("root", 64L << 20),
        OptionalLong.empty(),
        OptionalLong.empty(),
        Duration.ofSeconds(30));
  }

  private static Pod importingPod() {
    return new PodBuilder()
        .withNewSpec()
        .addNewInitContainer()
        .withName(DiskImport.CONTAINER)
        .withArgs("import", "--disk", "root", "--dir", "/d/root", "--url", URL, "--size", "1")
        .endInitContainer()
        .endSpec()
        .withNewStatus()
        .withPhase("Pending")
        .withPodIP("10.0.0.5")
        .withInitContainerStatuses(
            new ContainerStatusBuilder()
                .withName(DiskImport.CONTAINER)
                .withNewState()
                .withNewRunning()
                .endRunning()
                .endState()
                .build())
        .endStatus()
        .build();
  }
}
