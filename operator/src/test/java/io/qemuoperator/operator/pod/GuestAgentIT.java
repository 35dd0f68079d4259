package io.qemuoperator.operator.pod;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.qemuoperator.operator.sidecar.SidecarClient;
import io.qemuoperator.operator.sidecar.SidecarEndpoint;
import io.qemuoperator.operator.sidecar.SidecarException;
import io.qemuoperator.sidecar.Sidecar;
import io.qemuoperator.sidecar.SidecarConfig;
import io.qemuoperator.sidecar.api.GuestAgentState;
import io.qemuoperator.testing.DebianImage;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The QEMU guest agent of a real guest: the Debian 12 image ({@link DebianImage}: systemd starts
 * qemu-ga when the port appears) booted under TCG with 1 GiB by the qemu container's script with
 * {@code guestAgent}, and the real sidecar following the agent on QEMU's socket of the port. The
 * one boot of that image in the suite (about a minute under TCG, more under load).
 */
class GuestAgentIT {
  /** SSH and the agent answer 55–100 s after QEMU starts on these loaded 2-core machines (TCG). */
  private static final Duration BOOT = Duration.ofSeconds(300);

  @TempDir Path dir;

  @Test
  void theSidecarReportsTheAgentOfADebianGuestAndWhatItTellsOfTheGuest() throws Exception {
    Path image = DebianImage.find();
    Path root = dir.resolve("root.qcow2");
    // an overlay: the cached image stays as built (the script keeps an existing image)
    Process overlay =
        new ProcessBuilder(
                "qemu-img",
                "create",
                "-q",
                "-f",
                "qcow2",
                "-b",
                image.toString(),
                "-F",
                "qcow2",
                root.toString())
            .inheritIO()
            .start();
    assertThat(overlay.waitFor()).isZero();
    var vm =
        new VmLaunch(
            "debian-agent",
            "1d7e6a39-3a55-4e55-9d3c-5d0c1e1a7c21",
            1,
            1L << 30,
            List.of(
                new VmLaunch.Disk(
                    "root", root, 2L << 30, new VmLaunch.Source.Blank(), Optional.of(1))),
            dir.resolve("qmp.sock"),
            VmLaunch.Boot.BIOS_Q35,
            Optional.empty(),
            List.of(),
            true,
            List.of());
    String script =
        QemuCommandLine.containerScript(vm)
            .replace(
                "exec " + QemuCommandLine.BINARY,
                "exec " + System.getenv().getOrDefault("QEMU_SYSTEM", QemuCommandLine.BINARY));
    Process qemu =
        new ProcessBuilder("sh", "-c", script)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("qemu.log").toFile())
            .start();
    String token = UUID.randomUUID().toString();
    Path tokenFile = Files.writeString(dir.resolve("token"), token);
    Sidecar sidecar = null;
    try {
      Awaitility.await("QEMU's sockets")
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  (Files.exists(vm.qmpSocket()) && Files.exists(vm.guestAgentSocket()))
                      || !qemu.isAlive());
      assertThat(qemu.isAlive()).as(Files.readString(dir.resolve("qemu.log"))).isTrue();
      sidecar =
          Sidecar.start(
              new SidecarConfig(
                      vm.qmpSocket(),
                      new InetSocketAddress("127.0.0.1", 0),
                      tokenFile,
                      Set.of(),
                      SidecarConfig.DEFAULT_MAX_BODY_BYTES)
                  .withConsole(vm.consoleSocket(), vm.consoleLog(), 1 << 20)
                  .withGuestAgent(vm.guestAgentSocket()));
      var endpoint = SidecarEndpoint.of("127.0.0.1", sidecar.address().getPort(), token);
      var client = SidecarClient.withDefaults();
      Awaitility.await("the sidecar's first snapshot")
          .atMost(Duration.ofSeconds(30))
          .ignoreExceptions()
          .until(() -> client.state(endpoint) != null);
      // QEMU started with its vCPUs stopped: no agent answers yet
      GuestAgentState before = client.state(endpoint).guestAgent().orElseThrow();
      assertThat(before.answering()).isFalse();
      // the agent's commands are the guest's, not QMP's: never through the command API
      assertThatThrownBy(() -> client.command(endpoint, "guest-ping", null))
          .isInstanceOf(SidecarException.class);

      client.command(endpoint, "cont", null);
      Instant started = Instant.now();

      Awaitility.await("the Debian guest's agent answering, with its OS")
          .atMost(BOOT)
          .pollInterval(Duration.ofSeconds(1))
          .ignoreExceptions()
          .until(
              () ->
                  client
                      .state(endpoint)
                      .guestAgent()
                      .filter(a -> a.answering() && a.osName() != null && a.hostname() != null)
                      .isPresent());
      Duration took = Duration.between(started, Instant.now());
      GuestAgentState agent = client.state(endpoint).guestAgent().orElseThrow();
      System.out.printf(
          "GuestAgentIT: the Debian 12 guest's agent answered %.1f s after cont (TCG, 1 GiB): %s%n",
          took.toMillis() / 1000.0, agent);
      assertThat(agent.connected()).isTrue();
      assertThat(agent.osName()).isEqualTo("Debian GNU/Linux");
      assertThat(agent.osPrettyName()).startsWith("Debian GNU/Linux 12");
      assertThat(agent.kernelRelease()).contains("cloud-amd64");
      assertThat(agent.hostname()).isNotBlank();
      assertThat(agent.agentVersion()).matches("\\d+\\.\\d+.*");
      assertThat(agent.lastAnswer()).isAfter(started);
      assertThat(client.events(endpoint, 0, Duration.ZERO).events())
          .anyMatch(e -> e.name().equals(Sidecar.GUEST_AGENT_EVENT));
    } finally {
      if (sidecar != null) {
        sidecar.close();
      }
      qemu.destroyForcibly();
      qemu.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
