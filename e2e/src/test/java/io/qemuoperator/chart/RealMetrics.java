package io.qemuoperator.chart;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.local.LocalCluster;
import io.qemuoperator.local.Manifests;
import io.qemuoperator.local.SmallVm;
import io.qemuoperator.local.VmTable;
import io.qemuoperator.operator.pod.TokenSecret;
import io.qemuoperator.operator.pod.VmResources;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Predicate;
import org.awaitility.Awaitility;

/**
 * What a real operator's and a real sidecar's {@code /metrics} serve after a VM ran: the local
 * cluster (mock API server, real QEMU under the node agent, the real sidecar) runs one small VM to
 * Ready, pauses and resumes it (QMP actions from the operator), and sends its sidecar one command
 * QEMU refuses (a QMP error); then both are scraped. Every labelled series exists only once its
 * first sample does, so each is made to happen.
 */
record RealMetrics(String operator, String sidecar) {
  private static final String NS = "test";
  private static final String VM = "metrics-1";

  static RealMetrics afterAVmRan(Path workDir) throws IOException, InterruptedException {
    try (LocalCluster cluster = LocalCluster.start(Optional.empty(), workDir)) {
      var client = cluster.client();
      QemuVM vm = SmallVm.of(NS, VM, s -> {});
      client.resource(vm).create();
      var resource = client.resources(QemuVM.class).inNamespace(NS).withName(VM);
      await(resource, "Ready", VmTable::isReady);
      Manifests.editSpec(resource, s -> s.setPaused(true));
      await(resource, "Paused", v -> "paused".equals(v.getStatus().getRunState()));
      Manifests.editSpec(resource, s -> s.setPaused(false));
      await(resource, "running again", v -> "running".equals(v.getStatus().getRunState()));

      Pod pod = client.pods().inNamespace(NS).withName(VmResources.podName(vm)).get();
      Secret secret = client.secrets().inNamespace(NS).withName(VmResources.secretName(vm)).get();
      int port = io.qemuoperator.kubectl.VmSidecar.port(pod);
      String base = "http://" + pod.getStatus().getPodIP() + ":" + port;
      HttpClient http = HttpClient.newHttpClient();
      HttpResponse<String> refused =
          http.send(
              HttpRequest.newBuilder(URI.create(base + "/v1/commands/set_link"))
                  .header("Authorization", "Bearer " + TokenSecret.token(secret))
                  .header("Content-Type", "application/json")
                  .POST(
                      HttpRequest.BodyPublishers.ofString("{\"name\":\"nosuchnic\",\"up\":false}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(refused.body()).contains("DeviceNotFound");

      String sidecar =
          http.send(
                  HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      RealMetrics metrics = new RealMetrics(cluster.operatorMetrics(), sidecar);
      Path dir = Path.of("target/real-metrics");
      Files.createDirectories(dir);
      Files.writeString(dir.resolve("operator.txt"), metrics.operator());
      Files.writeString(dir.resolve("sidecar.txt"), metrics.sidecar());
      client.resource(vm).delete();
      Awaitility.await("the QemuVM deleted")
          .atMost(Duration.ofSeconds(90))
          .pollInterval(Duration.ofMillis(200))
          .until(() -> resource.get() == null);
      return metrics;
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  private static void await(
      io.fabric8.kubernetes.client.dsl.Resource<QemuVM> vm, String what, Predicate<QemuVM> until) {
    Awaitility.await(what)
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(200))
        .ignoreExceptions()
        .until(
            () -> {
              QemuVM current = vm.get();
              return current != null && current.getStatus() != null && until.test(current);
            });
  }
}
