package io.qemuoperator.sidecar.attack;

import static org.assertj.core.api.Assertions.assertThat;

import io.qemuoperator.sidecar.SidecarOnQemu;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Long polls whose clients have gone (issue 18, item 3) are released. While a poll waits the server
 * reads nothing from its connection, so it cannot see the client go; the sidecar bounds how many
 * polls wait at once instead (a new one answers the eldest at once). So of 100 abandoned polls only
 * a few still hold their connections (seen by the kernel: the sidecar's side in CLOSE_WAIT in
 * /proc/net/tcp), further polls and commands are answered at once, and once further polls have come
 * no abandoned one is left.
 */
class AbandonedLongPollsIT {
  private static final int ABANDONED = 100;

  /** Live polls after the abandoned ones, at once. */
  private static final int FURTHER = 20;

  @RegisterExtension final SidecarOnQemu vm = new SidecarOnQemu();

  @Test
  void longPollsWhoseClientsWentAreReleased() throws Exception {
    int port = vm.sidecar().uri("/").getPort();
    var raw = new RawHttp(port);
    long seq = vm.sidecar().get("/v1/events?after=0", true).json().path("lastSeq").asLong();
    String authorization = "Bearer " + vm.sidecar().token();
    byte[] poll =
        RawHttp.get("/v1/events?after=" + seq + "&wait=60", authorization)
            .replace("Connection: close\r\n", "")
            .getBytes(StandardCharsets.US_ASCII);
    int threadsBefore = ManagementFactory.getThreadMXBean().getThreadCount();
    List<Socket> polls = new ArrayList<>();
    try {
      for (int i = 0; i < ABANDONED; i++) {
        Socket socket = raw.connect();
        polls.add(socket);
        socket.getOutputStream().write(poll);
      }
      Awaitility.await("all " + ABANDONED + " polls' connections open")
          .atMost(Duration.ofSeconds(10))
          .pollInterval(Duration.ofMillis(100))
          .until(() -> serverSide(port, "01") >= ABANDONED);
      Thread.sleep(500); // the stimulus: the polls are waiting in the sidecar
    } finally {
      for (Socket socket : polls) {
        socket.close();
      }
    }
    Thread.sleep(1000); // the stimulus: the sidecar has seen what it can of the closes
    int held = serverSide(port, "08");
    int threadsWaiting = ManagementFactory.getThreadMXBean().getThreadCount();
    assertThat(held)
        .as("abandoned polls still holding their connections")
        .isLessThanOrEqualTo(ABANDONED / 4);

    long start = System.nanoTime();
    assertThat(vm.sidecar().command("query-status", null).status()).isEqualTo(200);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
    List<Future<Integer>> further = new ArrayList<>();
    try (var clients = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < FURTHER; i++) {
        further.add(
            clients.submit(
                () ->
                    raw.status(
                        RawHttp.get("/v1/events?after=" + seq + "&wait=1", authorization),
                        Duration.ofSeconds(5))));
      }
      for (var answer : further) {
        assertThat(answer.get(10, TimeUnit.SECONDS)).as("a further poll").isEqualTo(200);
      }
    }
    long released = System.nanoTime();
    Awaitility.await("no abandoned poll left")
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(100))
        .untilAsserted(
            () ->
                assertThat(serverSide(port, "08"))
                    .as("connections in CLOSE_WAIT (%d before the further polls)", held)
                    .isZero());
    int threadsAfter = ManagementFactory.getThreadMXBean().getThreadCount();
    System.out.printf(
        "%d abandoned long polls: %d still held 1 s after their clients closed, none %d ms after"
            + " %d further polls; platform threads %d before, %d while held, %d after%n",
        ABANDONED,
        held,
        Duration.ofNanos(System.nanoTime() - released).toMillis(),
        FURTHER,
        threadsBefore,
        threadsWaiting,
        threadsAfter);
  }

  /**
   * How many TCP sockets on this machine have {@code port} as their local port and are in {@code
   * state} (/proc/net/tcp's hex codes: 01 established, 08 close-wait): the sidecar's side.
   */
  private static int serverSide(int port, String state) throws IOException {
    String local = String.format(":%04X", port);
    int count = 0;
    for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      Path path = Path.of(table);
      if (!Files.exists(path)) {
        continue;
      }
      for (String line : Files.readAllLines(path)) {
        String[] columns = line.strip().split("\\s+");
        if (columns.length > 3 && columns[1].endsWith(local) && columns[3].equals(state)) {
          count++;
        }
      }
    }
    return count;
  }
}
