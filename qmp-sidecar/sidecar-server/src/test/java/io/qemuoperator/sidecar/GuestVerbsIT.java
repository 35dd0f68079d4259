package io.qemuoperator.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import io.qemuoperator.sidecar.api.EventPage;
import io.qemuoperator.sidecar.api.SequencedEvent;
import io.qemuoperator.sidecar.api.SidecarJson;
import io.qemuoperator.sidecar.api.SidecarPaths;
import io.qemuoperator.testing.TestGuest;
import io.qemuoperator.testing.TestingQemu;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The seed's verbs as a booted guest sees them: the tiny test guest ({@link TestGuest}) under TCG
 * behind a real sidecar; the guest is read through its own HTTP server (port 80, forwarded by
 * QEMU's user networking) and its serial console.
 */
class GuestVerbsIT {
  private static final Duration BOOT = Duration.ofSeconds(90); // TCG on a loaded machine
  private static final long MIB = 1L << 20;

  @RegisterExtension
  final SidecarOnQemu vm =
      new SidecarOnQemu(
          TestingQemu.Options.defaults().withPaused(false).withGuest(TestGuest.find()));

  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void guestBooted() {
    Awaitility.await("the test guest's ready line on its serial console")
        .atMost(BOOT)
        .pollInterval(Duration.ofMillis(100))
        .until(
            () ->
                Files.exists(vm.qemu().serialLog())
                    && Files.readString(vm.qemu().serialLog()).contains(TestGuest.READY));
  }

  @Test
  void balloonShrinksWhatTheGuestSeesAsItsMemory() throws Exception {
    long before = memTotalKib();
    assertThat(before).as("MemTotal of a 256 MiB guest").isBetween(150_000L, 262_144L);

    var answer = vm.sidecar().command("balloon", "{\"value\":" + 128 * MIB + "}");
    assertThat(answer.status()).as(answer.text()).isEqualTo(200);

    Awaitility.await("the guest's MemTotal below 128 MiB")
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> memTotalKib() < 128 * 1024);
  }

  @Test
  void systemPowerdownMakesTheGuestPowerItselfOff() throws Exception {
    var answer = vm.sidecar().command("system_powerdown", null);
    assertThat(answer.status()).as(answer.text()).isEqualTo(200);

    Awaitility.await("SHUTDOWN from the guest in /v1/events")
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () ->
                events().events().stream()
                    .filter(e -> e.name().equals("SHUTDOWN"))
                    .map(SequencedEvent::data)
                    .anyMatch(data -> data.path("guest").asBoolean(false)));
    assertThat(Files.readString(vm.qemu().serialLog()))
        .as("the guest's acpid ran its power-button handler")
        .contains("power button, powering off");
  }

  private EventPage events() throws IOException {
    var answer = vm.sidecar().get(SidecarPaths.events(0, 0), true);
    return SidecarJson.mapper().readValue(answer.text(), EventPage.class);
  }

  /** MemTotal from the guest's /proc/meminfo, read over its HTTP server. */
  private long memTotalKib() throws IOException, InterruptedException {
    String meminfo = guest("/proc/meminfo");
    return meminfo
        .lines()
        .filter(line -> line.startsWith("MemTotal:"))
        .map(line -> Long.parseLong(line.replaceAll("[^0-9]", "")))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no MemTotal in: " + meminfo));
  }

  private String guest(String file) throws IOException, InterruptedException {
    var request =
        HttpRequest.newBuilder(
                URI.create(
                    "http://127.0.0.1:" + vm.qemu().guestHttpPort() + "/cgi-bin/cat?" + file))
            .timeout(Duration.ofSeconds(10))
            .build();
    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return response.body();
  }
}
