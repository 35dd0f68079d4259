package io.qemuoperator.sidecar.attack;

import static org.assertj.core.api.Assertions.assertThat;

import io.qemuoperator.sidecar.SidecarOnQemu;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A client that never reads its answers (issue 18, item 2), seen from everyone else: while its
 * pipelined calls fill its buffers, other callers' commands answer within 2 s and QMP events keep
 * reaching {@code /v1/events}. ({@code io.qemuoperator.sidecar.SlowReaderIT} shows that the slow
 * reader itself loses its connection at the write deadline.)
 */
class SlowReaderEventsIT {
  private static final int PIPELINED = 50_000;

  @RegisterExtension final SidecarOnQemu vm = new SidecarOnQemu();

  @Test
  void aClientThatNeverReadsHoldsUpNeitherOthersCommandsNorEvents() throws Exception {
    byte[] many =
        RawHttp.command("query-status", vm.sidecar().token(), "")
            .replace("Connection: close\r\n", "")
            .repeat(PIPELINED)
            .getBytes(StandardCharsets.US_ASCII);
    var slow = new Socket();
    Thread writer = null;
    try {
      slow.setReceiveBufferSize(4096);
      slow.connect(new RawHttp(vm.sidecar().uri("/").getPort()).address(), 2000);
      writer =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      slow.getOutputStream().write(many);
                    } catch (IOException closed) {
                      // the sidecar closed it, or the test did
                    }
                  });
      Thread.sleep(3000); // the stimulus: answers pile up until its buffers are full

      long seq = vm.sidecar().get("/v1/events?after=0", true).json().path("lastSeq").asLong();
      for (int round = 0; round < 6; round++) {
        String command = round % 2 == 0 ? "cont" : "stop";
        String event = round % 2 == 0 ? "RESUME" : "STOP";
        long start = System.nanoTime();
        var answer = vm.sidecar().command(command, null);
        long commandMillis = millisSince(start);
        assertThat(answer.status())
            .as("%s, round %d: %s", command, round, answer.text())
            .isEqualTo(200);
        assertThat(commandMillis).as("%s answered, round %d", command, round).isLessThan(2000);

        var events = vm.sidecar().get("/v1/events?after=" + seq + "&wait=2", true);
        long eventMillis = millisSince(start);
        assertThat(events.status()).isEqualTo(200);
        assertThat(events.json().path("events").toString())
            .as("events after %d, round %d", seq, round)
            .contains("\"" + event + "\"");
        assertThat(eventMillis).as("%s delivered, round %d", event, round).isLessThan(2000);
        seq = events.json().path("lastSeq").asLong();
      }
      assertThat(vm.sidecar().get("/readyz", false).status()).isEqualTo(200);
    } finally {
      slow.close();
      if (writer != null) {
        writer.join(Duration.ofSeconds(10));
      }
    }
  }

  private static long millisSince(long nanos) {
    return Duration.ofNanos(System.nanoTime() - nanos).toMillis();
  }
}
