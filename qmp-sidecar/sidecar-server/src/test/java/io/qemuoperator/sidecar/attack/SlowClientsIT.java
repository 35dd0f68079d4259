package io.qemuoperator.sidecar.attack;

import static org.assertj.core.api.Assertions.assertThat;

import io.qemuoperator.sidecar.SidecarOnQemu;
import io.qemuoperator.sidecar.web.WebServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Clients that hold connections without finishing a request (issue 18, item 1): anyone who reaches
 * the port, with no token, must not be able to starve the kubelet's probes or the operator's
 * commands, and a request head that is never finished must not hold its connection forever.
 */
class SlowClientsIT {
  /** Slowloris connections, as in the issue. */
  private static final int TRICKLING = 64;

  /** Idle connections opened at once. */
  private static final int FLOOD = 300;

  /**
   * How long a request head may take at most before the sidecar closes its connection, and the
   * slack of its once-a-second sweep and a loaded machine.
   */
  private static final Duration HEAD_CLOSED_WITHIN = WebServer.HEAD_DEADLINE.plusSeconds(5);

  @RegisterExtension final SidecarOnQemu vm = new SidecarOnQemu();

  private RawHttp raw() {
    return new RawHttp(vm.sidecar().uri("/").getPort());
  }

  /** Writes {@code head} one byte every {@code every}, until the server or the test closes. */
  private static Thread trickle(Socket socket, byte[] head, Duration every) {
    return Thread.ofVirtual()
        .start(
            () -> {
              try {
                OutputStream out = socket.getOutputStream();
                for (int i = 0; ; i = (i + 1) % head.length) {
                  out.write(head[i]);
                  out.flush();
                  Thread.sleep(every);
                }
              } catch (IOException | InterruptedException ended) {
                // closed by the server or by the test
              }
            });
  }

  /**
   * {@code /healthz} and {@code /readyz} without a token and a {@code query-status} with it, each
   * on a fresh connection: the probes within 1 s, the command within 2 s.
   */
  private void assertProbesAndCommandsAnswered(String during) {
    RawHttp raw = raw();
    for (int round = 0; round < 3; round++) {
      for (String probe : List.of("/healthz", "/readyz")) {
        long start = System.nanoTime();
        int status = raw.status(RawHttp.get(probe, null), Duration.ofSeconds(1));
        assertThat(status)
            .as("%s %s, round %d (%d ms)", during, probe, round, millisSince(start))
            .isEqualTo(200);
      }
      int command =
          raw.status(
              RawHttp.command("query-status", vm.sidecar().token(), ""), Duration.ofSeconds(2));
      assertThat(command).as("%s: query-status, round %d", during, round).isEqualTo(200);
    }
  }

  private static long millisSince(long nanos) {
    return Duration.ofNanos(System.nanoTime() - nanos).toMillis();
  }

  @Test
  void slowlorisConnectionsStarveNeitherProbesNorCommands() throws Exception {
    byte[] head =
        "POST /v1/commands/stop HTTP/1.1\r\nHost: sidecar\r\nX-Slow: yes\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII);
    List<Socket> sockets = new ArrayList<>();
    List<Thread> tricklers = new ArrayList<>();
    try {
      for (int i = 0; i < TRICKLING; i++) {
        Socket socket = raw().connect();
        sockets.add(socket);
        tricklers.add(trickle(socket, head, Duration.ofSeconds(2)));
      }
      Thread.sleep(2500); // the stimulus: every trickler has sent two bytes
      assertProbesAndCommandsAnswered(TRICKLING + " slowloris connections");
    } finally {
      for (Socket socket : sockets) {
        socket.close();
      }
      for (Thread thread : tricklers) {
        thread.join(Duration.ofSeconds(5));
      }
    }
  }

  @Test
  void aFloodOfIdleConnectionsStarvesNeitherProbesNorCommands() throws Exception {
    List<Socket> sockets = new ArrayList<>();
    try {
      for (int i = 0; i < FLOOD; i++) {
        sockets.add(raw().connect());
      }
      assertProbesAndCommandsAnswered(FLOOD + " idle connections");
    } finally {
      for (Socket socket : sockets) {
        socket.close();
      }
    }
  }

  @Test
  void aRequestHeadNeverFinishedIsClosedWithinTheDeadline() throws Exception {
    Socket socket = raw().connect();
    byte[] endless =
        "GET /healthz HTTP/1.1\r\nHost: sidecar\r\nX-Endless: ".getBytes(StandardCharsets.US_ASCII);
    long start = System.nanoTime();
    Thread trickler =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    OutputStream out = socket.getOutputStream();
                    out.write(endless);
                    while (true) {
                      out.write('a'); // one byte a second: never idle, never finished
                      out.flush();
                      Thread.sleep(1000);
                    }
                  } catch (IOException | InterruptedException ended) {
                    // closed by the server or by the test
                  }
                });
    boolean closed;
    long took;
    try {
      socket.setSoTimeout((int) HEAD_CLOSED_WITHIN.plusSeconds(10).toMillis());
      closed = closedByServer(socket.getInputStream());
      took = millisSince(start);
    } finally {
      socket.close();
      trickler.join(Duration.ofSeconds(5));
    }
    System.out.printf("a request head never finished: closed by the sidecar after %d ms%n", took);
    assertThat(closed).as("closed by the sidecar (waited %d ms)", took).isTrue();
    assertThat(Duration.ofMillis(took)).isLessThanOrEqualTo(HEAD_CLOSED_WITHIN);
    assertThat(vm.sidecar().get("/healthz", false).status()).isEqualTo(200);
  }

  /** Reads until the end of the stream or a reset (true), or the socket's timeout (false). */
  private static boolean closedByServer(InputStream in) {
    byte[] buffer = new byte[4096];
    try {
      while (in.read(buffer) >= 0) {
        // an answer (a 408 or 400) may come before the close
      }
      return true;
    } catch (java.net.SocketTimeoutException open) {
      return false;
    } catch (IOException reset) {
      return true;
    }
  }
}
