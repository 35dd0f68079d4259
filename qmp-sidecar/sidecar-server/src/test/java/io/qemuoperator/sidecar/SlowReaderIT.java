package io.qemuoperator.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A client that sends commands and never reads the answers (issue 18, item 2): its socket buffers
 * fill, and the write of its next answer blocks. That write must hold neither QMP nor anyone else:
 * answers are written by responder threads, never by the QMP reader, so other callers go on being
 * answered at once; and the slow reader loses its own connection at the write deadline.
 */
class SlowReaderIT {
  @RegisterExtension final SidecarOnQemu vm = new SidecarOnQemu();

  /** Pipelined commands whose answers (QEMU's list of commands, kilobytes each) it never reads. */
  private static final int PIPELINED = 3000;

  @Test
  void aClientThatNeverReadsHoldsOnlyItsOwnConnectionUntilTheWriteDeadline() throws Exception {
    int port = vm.sidecar().uri("/").getPort();
    try (var slow = new Socket()) {
      slow.setReceiveBufferSize(4096);
      slow.connect(new InetSocketAddress("127.0.0.1", port));
      byte[] request =
          ("POST /v1/commands/query-commands HTTP/1.1\r\nHost: sidecar\r\nAuthorization: Bearer "
                  + vm.sidecar().token()
                  + "\r\nContent-Length: 0\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII);
      Thread writer =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      OutputStream out = slow.getOutputStream();
                      for (int i = 0; i < PIPELINED; i++) {
                        out.write(request);
                      }
                    } catch (IOException closed) {
                      // the sidecar closed the connection: what this test waits for
                    }
                  });
      // the answers pile up until the slow client's buffers are full and a write blocks
      Thread.sleep(3000); // the stimulus: time for the buffers to fill

      long start = System.nanoTime();
      var answer = vm.sidecar().command("query-status", null);
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      assertThat(answer.status()).as("another caller's command").isEqualTo(200);
      assertThat(took)
          .as("another caller's command while a write is blocked")
          .isLessThan(Duration.ofSeconds(5));
      assertThat(vm.sidecar().get("/v1/state", true).status()).isEqualTo(200);

      // past the write deadline the slow reader's connection is closed: reading it now ends
      // (read before, it would have let the blocked write go on)
      Thread.sleep(io.qemuoperator.sidecar.web.WebServer.IDLE_TIMEOUT.toMillis() + 2000);
      slow.setSoTimeout(2000);
      assertThat(drainedToTheEnd(slow.getInputStream()))
          .as("the slow reader's connection closed by the sidecar")
          .isTrue();
      writer.join(Duration.ofSeconds(30));
    }
    assertThat(vm.sidecar().command("query-status", null).status()).isEqualTo(200);
  }

  /**
   * Reads what is there: true at the end of the stream (or a reset), false when the connection is
   * still open (a read waits out the socket's timeout).
   */
  private static boolean drainedToTheEnd(InputStream in) {
    byte[] buffer = new byte[1 << 16];
    try {
      while (true) {
        if (in.read(buffer) < 0) {
          return true;
        }
      }
    } catch (java.net.SocketTimeoutException open) {
      return false;
    } catch (IOException reset) {
      return true;
    }
  }
}
