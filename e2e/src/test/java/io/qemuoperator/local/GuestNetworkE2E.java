package io.qemuoperator.local;

import static io.qemuoperator.local.E2eCluster.condition;
import static io.qemuoperator.local.E2eCluster.isTrue;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.api.v1alpha1.spec.CloudInitSpec;
import io.qemuoperator.api.v1alpha1.spec.DiskSource;
import io.qemuoperator.api.v1alpha1.spec.PortProtocol;
import io.qemuoperator.api.v1alpha1.spec.PortSpec;
import io.qemuoperator.api.v1alpha1.spec.ReadinessProbeSpec;
import io.qemuoperator.api.v1alpha1.spec.SecretKeyRef;
import io.qemuoperator.api.v1alpha1.spec.ServiceSpec;
import io.qemuoperator.operator.reconcile.Conditions;
import io.qemuoperator.testing.GuestShell;
import io.qemuoperator.testing.TestGuest;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A guest from the guest's side: the test guest, booted from its imported disk, gets its hostname
 * and a user-data script from a Secret through the NoCloud seed, serves its HTTP port through the
 * pod's address, and GuestReady follows it: True once the kubelet's (here the node agent's) probe
 * passes, False when the guest's HTTP server is killed (typed on its serial console), True again
 * when it serves again. The Service selects the VM's pod (the local cluster has no kube-proxy to
 * route it: the test reaches the guest through the pod's address).
 */
@ParameterizedClass(name = "on the {0} API server")
@ValueSource(strings = {"mock", "real"})
class GuestNetworkE2E extends OnBothApiServers {
  private static final Duration BOOT = Duration.ofSeconds(150); // TCG on a loaded machine
  private static final String USER_DATA =
      "#!/bin/sh\necho \"user-data from a Secret ran\" > /run/from-secret\n";

  private final HttpClient http =
      HttpClient.newBuilder()
          .proxy(HttpClient.Builder.NO_PROXY)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private HttpServer images;

  @BeforeEach
  void serveTheTestGuestsDisk() throws Exception {
    Path disk = TestGuest.find().diskImage();
    images = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    images.createContext(
        "/",
        exchange -> {
          exchange.sendResponseHeaders(200, Files.size(disk));
          try (var out = exchange.getResponseBody()) {
            Files.copy(disk, out);
          }
        });
    images.start();
  }

  @AfterEach
  void stopServing() {
    images.stop(0);
  }

  @Test
  void theGuestTakesItsSeedServesItsPortAndGuestReadyFollowsIt() throws Exception {
    Secret init =
        new SecretBuilder()
            .withNewMetadata()
            .withName("guest-init")
            .withNamespace(e2e.ns)
            .endMetadata()
            // data, not stringData: the mock API server does not convert stringData
            .withData(
                Map.of(
                    "userdata",
                    java.util.Base64.getEncoder()
                        .encodeToString(USER_DATA.getBytes(StandardCharsets.UTF_8))))
            .build();
    e2e.client.resource(init).create();
    e2e.create(
        e2e.vm(
            "guest-1",
            s -> {
              s.setMemory(new Quantity("256Mi"));
              s.getDisks()
                  .get(0)
                  .setSource(
                      DiskSource.url(
                          "http://127.0.0.1:" + images.getAddress().getPort() + "/g.qcow2", null));
              var cloudInit = new CloudInitSpec();
              cloudInit.setUserDataSecretRef(new SecretKeyRef("guest-init", null));
              s.setCloudInit(cloudInit);
              s.setPorts(List.of(new PortSpec("http", 80, PortProtocol.TCP)));
              s.setService(new ServiceSpec(ServiceSpec.Type.ClusterIP));
              s.setReadinessProbe(new ReadinessProbeSpec("http", "/cgi-bin/cat?/proc/uptime"));
            }));

    QemuVM ready =
        e2e.await(
            "guest-1",
            "GuestReady and Ready",
            BOOT,
            vm -> isTrue(vm, Conditions.GUEST_READY) && isTrue(vm, Conditions.READY));
    assertThat(condition(ready, Conditions.GUEST_READY).get().getReason()).isEqualTo("PortAnswers");
    Pod pod = e2e.client.pods().inNamespace(e2e.ns).withName("guest-1-qemu").get();
    String address = pod.getStatus().getPodIP();
    assertThat(guest(address, "/proc/sys/kernel/hostname"))
        .as("the hostname from the seed's meta-data")
        .isEqualTo("guest-1\n");
    assertThat(guest(address, "/run/from-secret"))
        .as("the user-data from the Secret ran")
        .isEqualTo("user-data from a Secret ran\n");
    assertThat(Serialization.asJson(pod) + Serialization.asJson(e2e.get("guest-1")))
        .as("the Secret's data is in neither the pod nor the QemuVM")
        .doesNotContain("from a Secret");
    Service service = e2e.client.services().inNamespace(e2e.ns).withName("guest-1").get();
    assertThat(pod.getMetadata().getLabels()).containsAllEntriesOf(service.getSpec().getSelector());
    assertThat(service.getSpec().getPorts())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.getPort()).isEqualTo(80);
              assertThat(p.getTargetPort().getStrVal()).isEqualTo("http");
            });

    try (var shell = e2e.shell("guest-1")) {
      shell.run("killall httpd", Duration.ofSeconds(30));
      guestStopsAndServesAgain(shell);
    }
  }

  private void guestStopsAndServesAgain(GuestShell shell) {
    QemuVM down =
        e2e.await(
            "guest-1",
            "GuestReady=False once the guest stops serving",
            Duration.ofSeconds(60),
            vm ->
                condition(vm, Conditions.GUEST_READY)
                    .map(c -> "False".equals(c.getStatus()))
                    .orElse(false));
    assertThat(condition(down, Conditions.GUEST_READY).get().getReason()).isEqualTo("NotAnswering");
    assertThat(condition(down, Conditions.READY).get().getReason()).isEqualTo("GuestNotReady");
    assertThat(down.getStatus().getRunState()).as("QEMU itself still runs").isEqualTo("running");

    shell.run("httpd -p 80 -h /www", Duration.ofSeconds(30));
    e2e.await(
        "guest-1",
        "GuestReady and Ready again",
        Duration.ofSeconds(60),
        vm -> isTrue(vm, Conditions.GUEST_READY) && isTrue(vm, Conditions.READY));
  }

  private String guest(String address, String file) throws Exception {
    HttpResponse<String> answer =
        http.send(
            HttpRequest.newBuilder(URI.create("http://" + address + ":80/cgi-bin/cat?" + file))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    return answer.body();
  }
}
