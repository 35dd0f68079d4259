package io.qemuoperator.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sidecar as the node agent runs it: the launcher script on the shaded jar, a process of its
 * own (no QEMU: its HTTP API answers before QMP connects).
 */
class SidecarProcessIT {
  private static final String TOKEN = "a-token-of-twenty-four-ch";
  private static final Duration READY = Duration.ofSeconds(60);

  @TempDir Path dir;
  private final SidecarLauncher launcher = SidecarLauncher.of(System.getenv());
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .proxy(HttpClient.Builder.NO_PROXY)
          .build();

  @AfterEach
  void closeClient() {
    http.close();
  }

  private SidecarProcess start(InetSocketAddress address, String token) throws IOException {
    Path tokenFile = Files.writeString(dir.resolve("token"), token);
    List<String> args =
        List.of(
            "--qmp",
            dir.resolve("qmp.sock").toString(),
            "--listen",
            address.getHostString() + ":" + address.getPort(),
            "--token-file",
            tokenFile.toString());
    return SidecarProcess.start(launcher, args, Map.of(), address, dir.resolve("sidecar.log"));
  }

  private static InetSocketAddress freeAddress() throws IOException {
    try (var socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress("127.0.0.1", 0));
      return new InetSocketAddress("127.0.0.1", socket.getLocalPort());
    }
  }

  @Test
  void answersOnItsAddressUntilStoppedAndLogsToItsFile() throws Exception {
    InetSocketAddress address = freeAddress();
    SidecarProcess sidecar = start(address, TOKEN);
    try {
      sidecar.awaitReady(http, TOKEN, READY);
      var healthz = URI.create("http://127.0.0.1:" + address.getPort() + "/healthz");
      assertThat(
              http.send(
                      HttpRequest.newBuilder(healthz).build(),
                      HttpResponse.BodyHandlers.discarding())
                  .statusCode())
          .isEqualTo(200);
      assertThat(sidecar.handle().info().arguments().orElseThrow())
          .as("the launcher's JVM flags")
          .contains("-Xmx32m", "-jar", launcher.jar().toString());
    } finally {
      sidecar.stop();
    }
    assertThat(sidecar.handle().isAlive()).isFalse();
    assertThat(Files.readString(dir.resolve("sidecar.log"))).contains("listening on");
  }

  @Test
  void aSidecarThatExitsBeforeItAnswersFailsWithTheEndOfItsLog() throws Exception {
    SidecarProcess sidecar = start(freeAddress(), "short");

    assertThatThrownBy(() -> sidecar.awaitReady(http, "short", READY))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("the sidecar exited with code 1 before it answered")
        .hasMessageContaining(dir.resolve("sidecar.log").toString())
        .hasMessageContaining("at least 16 are needed");
  }

  @Test
  void anAddressAnotherSidecarListensOnIsTaken() throws Exception {
    InetSocketAddress address = freeAddress();
    SidecarProcess first = start(address, TOKEN);
    try {
      first.awaitReady(http, TOKEN, READY);

      assertThatThrownBy(() -> start(address, TOKEN))
          .as("found before a process starts")
          .isInstanceOf(SidecarProcess.AddressTakenException.class);
      // found by its answer: another pod's sidecar refuses this pod's token
      assertThatThrownBy(() -> first.awaitReady(http, "another-pods-token-0123", READY))
          .isInstanceOf(SidecarProcess.AddressTakenException.class)
          .hasMessageContaining(address.toString());
    } finally {
      first.stop();
    }
  }
}
