package io.qemuoperator.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.api.v1alpha1.spec.QemuVMSpec;
import io.qemuoperator.api.v1alpha1.status.Condition;
import io.qemuoperator.api.v1alpha1.status.QemuVMPhase;
import io.qemuoperator.api.v1alpha1.status.QemuVMStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The CLI's parts that need no cluster: options, table, reasons, the QEMU check. */
class LocalCliTest {

  private static QemuVM vm(String name, QemuVMPhase phase, String runState, String created) {
    var vm = new QemuVM();
    vm.setMetadata(
        new ObjectMetaBuilder()
            .withName(name)
            .withNamespace("default")
            .withGeneration(1L)
            .withCreationTimestamp(created)
            .build());
    // the spec asks for more than QEMU runs (a restart pending): the table shows what runs
    var spec = new QemuVMSpec();
    spec.setCpus(4);
    spec.setMemory(new Quantity("1Gi"));
    vm.setSpec(spec);
    var status = new QemuVMStatus();
    status.setPhase(phase);
    status.setRunState(runState);
    status.setVcpus(2);
    var memory = new io.qemuoperator.api.v1alpha1.status.MemoryStatus();
    memory.setBoot(new Quantity("256Mi"));
    status.setMemory(memory);
    vm.setStatus(status);
    return vm;
  }

  @Test
  void theTableHasKubectlsColumnsAligned() {
    Instant now = Instant.parse("2025-01-01T00:10:00Z");
    var rows =
        VmTable.rows(
            List.of(
                vm("web-2", QemuVMPhase.Paused, "paused", "2025-01-01T00:09:15Z"),
                vm("a", QemuVMPhase.Running, "running", "2025-01-01T00:00:00Z")),
            now);
    assertThat(VmTable.format(rows))
        .containsExactly(
            "NAME    PHASE     RUNSTATE   CPUS   MEMORY   AGE",
            "a       Running   running    2      256Mi    10m",
            "web-2   Paused    paused     2      256Mi    45s");
  }

  @Test
  void agesAreShortAsKubectlPrintsThem() {
    Instant now = Instant.parse("2025-01-03T00:00:00Z");
    assertThat(VmTable.age("2025-01-02T23:59:01Z", now)).isEqualTo("59s");
    assertThat(VmTable.age("2025-01-02T23:56:48Z", now)).isEqualTo("3m12s");
    assertThat(VmTable.age("2025-01-02T21:55:00Z", now)).isEqualTo("2h5m");
    assertThat(VmTable.age("2025-01-01T00:00:00Z", now)).isEqualTo("2d");
  }

  @Test
  void aVmIsReadyOnlyWithReadyTrueForItsGeneration() {
    QemuVM vm = vm("a", QemuVMPhase.Running, "running", null);
    assertThat(VmTable.isReady(vm)).isFalse();
    vm.getStatus()
        .setConditions(
            List.of(new Condition("Ready", "True", "Running", "ok", "2025-01-01T00:00:00Z", 1L)));
    assertThat(VmTable.isReady(vm)).isTrue();
    vm.getMetadata().setGeneration(2L);
    assertThat(VmTable.isReady(vm)).as("an older generation's Ready").isFalse();
  }

  @Test
  void theReasonsOfAVmThatIsNotReadyComeFromItsConditions() {
    QemuVM vm = vm("a", QemuVMPhase.Starting, null, null);
    assertThat(UpCommand.reasons(vm)).startsWith("no status yet");
    vm.getStatus()
        .setConditions(
            List.of(
                new Condition("Ready", "False", "Starting", "waiting for the sidecar", null, 1L),
                new Condition("Synced", "False", "QmpError", "balloon failed", null, 1L),
                new Condition("SpecValid", "True", "Valid", "fine", null, 1L)));
    assertThat(UpCommand.reasons(vm))
        .isEqualTo(
            "Ready=False Starting: waiting for the sidecar; Synced=False QmpError: balloon failed");
  }

  @Test
  void durationsAndOptionsParse() {
    assertThat(CliOptions.duration("120s")).isEqualTo(Duration.ofSeconds(120));
    assertThat(CliOptions.duration("2m")).isEqualTo(Duration.ofMinutes(2));
    assertThat(CliOptions.duration("90")).isEqualTo(Duration.ofSeconds(90));
    var options =
        CliOptions.parse(
            new String[] {"up", "-f", "examples/", "--until-ready", "--timeout", "30s"});
    assertThat(options.command()).isEqualTo("up");
    assertThat(options.files()).hasSize(1);
    assertThat(options.untilReady()).isTrue();
    assertThat(options.timeout()).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void upRunsOnTheProcessNodeUnlessTheKubeletNodeIsNamedWithItsCluster() {
    assertThat(CliOptions.parse(new String[] {"up"}).node()).isEqualTo(CliOptions.Node.PROCESS);
    assertThat(
            CliOptions.parse(new String[] {"up", "--node", "kubelet", "--kubeconfig", "k"}).node())
        .isEqualTo(CliOptions.Node.KUBELET);
    assertThat(
            org.assertj.core.api.Assertions.catchThrowable(
                () -> CliOptions.parse(new String[] {"up", "--node", "kubelet"})))
        .hasMessage("--node kubelet needs --kubeconfig FILE (its cluster)");
    assertThat(
            org.assertj.core.api.Assertions.catchThrowable(
                () -> CliOptions.parse(new String[] {"up", "--node", "docker"})))
        .hasMessage("--node must be process or kubelet, got docker");
  }

  @Test
  void withoutQemuUpSaysHowToGetItAndInstallsNothing() {
    CliRun result =
        CliRun.of(
            Map.of("PATH", "/nonexistent", "QEMU_SYSTEM", "qemu-system-x86_64"),
            "up",
            "-f",
            "../examples");
    assertThat(result.code()).isEqualTo(LocalCli.NO_QEMU);
    assertThat(result.err())
        .contains(
            "QEMU is missing", "apt-get install qemu-system-x86 qemu-utils", "qo_ensure_qemu");
  }

  @Test
  void withoutTheSidecarsJarUpSaysHowToBuildIt() {
    assumeTrue(
        new QemuBinaries(Map.of("PATH", System.getenv("PATH"))).missing().isEmpty(),
        "QEMU is installed (without it, up stops at the QEMU check)");
    CliRun result =
        CliRun.of(
            Map.of(
                "PATH",
                System.getenv("PATH"),
                SidecarLauncher.JAR_ENV,
                "/nonexistent/qmp-sidecar.jar"),
            "up",
            "-f",
            "../examples");
    assertThat(result.code()).isEqualTo(LocalCli.NO_QEMU);
    assertThat(result.err())
        .contains("no sidecar jar at /nonexistent/qmp-sidecar.jar", "mvn -pl local-cluster");
  }

  @Test
  void usageErrorsAndAMissingClusterAreReported() {
    assertThat(CliRun.of(Map.of(), "frobnicate").code()).isEqualTo(LocalCli.USAGE);
    assertThat(CliRun.of(Map.of(), "up", "--timeout").err()).contains("--timeout needs a value");
    CliRun get = CliRun.of(Map.of("QEMU_OPERATOR_LOCAL_STATE", "/nonexistent/state"), "get");
    assertThat(get.code()).isEqualTo(LocalCli.USAGE);
    assertThat(get.err()).contains("no local cluster is running", "qemu-operator-local up");
  }
}
