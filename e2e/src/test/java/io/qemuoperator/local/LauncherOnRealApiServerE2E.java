package io.qemuoperator.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.qemuoperator.api.v1alpha1.QemuVM;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * The README's run command on the process node, without {@code --until-ready}: {@code
 * local-cluster/qemu-operator-local up -f examples/ --node process} starts a real kube-apiserver,
 * brings every example VM to Ready, prints the kubeconfig a user passes to kubectl, and on SIGTERM
 * stops everything it started — every QEMU, the sidecars, etcd, kube-apiserver,
 * kube-controller-manager — and removes its temporary control-plane directory.
 */
class LauncherOnRealApiServerE2E {
  @Test
  void upRunsTheExamplesOnARealApiServerAndLeavesNothingBehindOnSigterm() throws Exception {
    LauncherRun run =
        LauncherRun.up(List.of("--node", "process"), Map.of("QEMU_OPERATOR_NO_INSTALL", "1"));
    Process launcher = run.process();
    List<ProcessHandle> started;
    Path controlPlane;
    try {
      // builds kube-apiserver when not cached
      Path file = Path.of(run.awaitKubectlLine(Duration.ofMinutes(15)).group(2));
      controlPlane = file.getParent();
      try (KubernetesClient client =
          new KubernetesClientBuilder().withConfig(Kubeconfig.read(file)).build()) {
        long examples = LauncherRun.exampleVms();
        Awaitility.await("the " + examples + " example VMs Ready on the real API server")
            .atMost(Duration.ofSeconds(120))
            .pollInterval(Duration.ofMillis(500))
            .ignoreExceptions()
            .until(
                () -> {
                  List<QemuVM> vms =
                      client.resources(QemuVM.class).inNamespace("default").list().getItems();
                  return vms.size() == examples && vms.stream().allMatch(VmTable::isReady);
                });
        assertThat(client.getKubernetesVersion().getGitVersion()).isEqualTo("v1.20.2");
      }
      // the control plane runs in its own sessions (setsid), not as the launcher's children
      String dir = controlPlane.toString();
      started =
          java.util.stream.Stream.concat(
                  launcher.descendants(),
                  ProcessHandle.allProcesses()
                      .filter(
                          p ->
                              p.info().arguments().stream()
                                  .flatMap(java.util.Arrays::stream)
                                  .anyMatch(a -> a.contains(dir))))
              .toList();
      assertThat(started)
          .extracting(p -> p.info().command().orElse(""))
          .anyMatch(c -> c.endsWith("kube-apiserver"))
          .anyMatch(c -> c.endsWith("etcd"))
          .anyMatch(c -> c.contains("qemu-system"));
    } catch (Exception | AssertionError e) {
      run.kill();
      throw new AssertionError("launcher output:\n" + run.output(), e);
    }

    launcher.destroy(); // SIGTERM, as a service manager or `kill` sends it
    assertThat(launcher.waitFor(90, TimeUnit.SECONDS)).as("the launcher ended").isTrue();
    Awaitility.await("every process the launcher started has ended")
        .atMost(Duration.ofSeconds(30))
        .until(() -> started.stream().noneMatch(ProcessHandle::isAlive));
    assertThat(controlPlane).as("the temporary control-plane directory").doesNotExist();
    assertThat(run.state()).doesNotExist();
  }
}
