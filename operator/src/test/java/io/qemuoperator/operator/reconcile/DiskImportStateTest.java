package io.qemuoperator.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.qemuoperator.operator.pod.DiskImport;
import org.junit.jupiter.api.Test;

class DiskImportStateTest {

  @Test
  void aPodWithoutTheImporterImportsNothing() {
    assertThat(DiskImportState.of(new PodBuilder().withNewSpec().endSpec().build())).isEmpty();
  }

  @Test
  void importingUntilTheImporterEnds() {
    assertThat(DiskImportState.of(pod(null)).orElseThrow().reason()).isEqualTo("Importing");
    var running =
        new ContainerStatusBuilder()
            .withName(DiskImport.CONTAINER)
            .withNewState()
            .withNewRunning()
            .endRunning()
            .endState()
            .build();
    assertThat(DiskImportState.of(pod(running)).orElseThrow())
        .isEqualTo(
            new DiskImportState(
                "Importing",
                "the pod's init container imports disk root from http://images.example/a.qcow2"));
  }

  @Test
  void importedWithTheImportersWords() {
    var state = DiskImportState.of(pod(ended(0, "disk root: imported x"))).orElseThrow();
    assertThat(state.done()).isTrue();
    assertThat(state.message()).isEqualTo("disk root: imported x");
  }

  @Test
  void failedNowAndWhileItIsRetriedTheSameWords() {
    var failed = ended(1, "HTTP 404 from http://x/y");
    assertThat(DiskImportState.of(pod(failed)).orElseThrow())
        .isEqualTo(new DiskImportState("ImportFailed", "HTTP 404 from http://x/y"));
    var retrying =
        new ContainerStatusBuilder()
            .withName(DiskImport.CONTAINER)
            .withRestartCount(3)
            .withNewState()
            .withNewRunning()
            .endRunning()
            .endState()
            .withLastState(failed.getState())
            .build();
    assertThat(DiskImportState.of(pod(retrying)).orElseThrow())
        .isEqualTo(new DiskImportState("ImportFailed", "HTTP 404 from http://x/y"));
    assertThat(DiskImportState.of(pod(ended(137, null))).orElseThrow().message())
        .isEqualTo("the importer exited with code 137");
  }

  private static ContainerStatus ended(int code, String message) {
    return new ContainerStatusBuilder()
        .withName(DiskImport.CONTAINER)
        .withState(
            new ContainerStateBuilder()
                .withNewTerminated()
                .withExitCode(code)
                .withMessage(message)
                .endTerminated()
                .build())
        .build();
  }

  private static Pod pod(ContainerStatus status) {
    var pod =
        new PodBuilder()
            .withNewSpec()
            .addNewInitContainer()
            .withName(DiskImport.CONTAINER)
            .withArgs(
                "import",
                "--disk",
                "root",
                "--dir",
                "/d/root",
                "--url",
                "http://images.example/a.qcow2",
                "--size",
                "1")
            .endInitContainer()
            .endSpec();
    if (status != null) {
      pod.withNewStatus().withInitContainerStatuses(status).endStatus();
    }
    return pod.build();
  }
}
