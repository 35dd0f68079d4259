package io.qemuoperator.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.testing.RepoFiles;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
  private static final Pattern KUBECTL_LINE =
      Pattern.compile("kubectl --kubeconfig (\\S+) get qvm");

  @Test
  void upRunsTheExamplesOnARealApiServerAndLeavesNothingBehindOnSigterm() throws Exception {
    Path state = Files.createTempDirectory("qo-launcher-").resolve("local-cluster");
    var command =
        new ProcessBuilder(
            "bash",
            RepoFiles.file("local-cluster/qemu-operator-local").toString(),
            "up",
            "-f",
            "examples/",
            "--node",
            "process",
            "--no-tty");
    command.directory(RepoFiles.root().toFile());
    command.environment().put("QEMU_OPERATOR_LOCAL_STATE", state.toString());
    command.environment().put("QEMU_OPERATOR_NO_INSTALL", "1");
    command.redirectOutput(ProcessBuilder.Redirect.DISCARD);
    Process launcher = command.start();
    List<String> stderr = new CopyOnWriteArrayList<>();
    CompletableFuture<Path> kubeconfig = new CompletableFuture<>();
    Thread.ofPlatform()
        .daemon()
        .start(
            () -> {
              try (var lines =
                  new BufferedReader(
                      new InputStreamReader(launcher.getErrorStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = lines.readLine()) != null; ) {
                  stderr.add(line);
                  Matcher m = KUBECTL_LINE.matcher(line);
                  if (m.find()) {
                    kubeconfig.complete(Path.of(m.group(1)));
                  }
                }
              } catch (java.io.IOException e) {
                kubeconfig.completeExceptionally(e);
              }
              kubeconfig.completeExceptionally(
                  new AssertionError("the launcher printed no kubectl line:\n" + stderr));
            });
    List<ProcessHandle> started;
    Path controlPlane;
    try {
      Path file = kubeconfig.get(15, TimeUnit.MINUTES); // builds kube-apiserver when not cached
      controlPlane = file.getParent();
      try (KubernetesClient client =
          new KubernetesClientBuilder().withConfig(Kubeconfig.read(file)).build()) {
        long examples = exampleVms();
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
      launcher.descendants().forEach(ProcessHandle::destroyForcibly);
      launcher.destroyForcibly();
      throw new AssertionError("launcher output:\n" + String.join("\n", stderr), e);
    }

    launcher.destroy(); // SIGTERM, as a service manager or `kill` sends it
    assertThat(launcher.waitFor(90, TimeUnit.SECONDS)).as("the launcher ended").isTrue();
    Awaitility.await("every process the launcher started has ended")
        .atMost(Duration.ofSeconds(30))
        .until(() -> started.stream().noneMatch(ProcessHandle::isAlive));
    assertThat(controlPlane).as("the temporary control-plane directory").doesNotExist();
    assertThat(state).doesNotExist();
  }

  /** The QemuVMs the examples declare (one document each). */
  private static long exampleVms() throws java.io.IOException {
    try (var files = Files.list(RepoFiles.root().resolve("examples"))) {
      long count = 0;
      for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).toList()) {
        count +=
            Files.readAllLines(file).stream().filter(line -> line.equals("kind: QemuVM")).count();
      }
      return count;
    }
  }
}
