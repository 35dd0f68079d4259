package io.qemuoperator.sidecar.attack;

import java.io.IOException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Malformed chunked bodies (issue 18, item 6) and trailers without end, each in a {@code POST
 * /v1/commands/stop} with the right token: each must be answered 400 (431 for the trailers), not
 * silently closed nor taken for the sidecar's own failure (500), and the stop must never run.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MalformedChunkedBodiesIT {
  private static final String CHUNKED =
      "POST /v1/commands/stop HTTP/1.1\r\nHost: sidecar\r\nAuthorization: Bearer "
          + QemuAndSidecar.TOKEN
          + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";

  @RegisterExtension final QemuAndSidecar.PerClass vm = new QemuAndSidecar.PerClass();

  static Stream<Arguments> malformedChunkedBodies() {
    return Stream.of(
        Arguments.of("chunk size zz", CHUNKED + "zz\r\n{}\r\n0\r\n\r\n"),
        Arguments.of("chunk size +2", CHUNKED + "+2\r\n{}\r\n0\r\n\r\n"),
        Arguments.of("chunk size -2", CHUNKED + "-2\r\n{}\r\n0\r\n\r\n"),
        Arguments.of("chunk size 0x2", CHUNKED + "0x2\r\n{}\r\n0\r\n\r\n"),
        Arguments.of("chunk data without its CRLF", CHUNKED + "2\r\n{}0\r\n\r\n"),
        Arguments.of(
            "chunk size past 64 bits", CHUNKED + "1" + "0".repeat(16) + "\r\n{}\r\n0\r\n\r\n"),
        Arguments.of("a chunk longer than its size", CHUNKED + "1\r\n{}\r\n0\r\n\r\n"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformedChunkedBodies")
  void aMalformedChunkedBodyIsAnswered400AndNothingRuns(String name, String request)
      throws IOException {
    vm.get().assertRefused(name, request, 400);
  }

  @Test
  void trailersWithoutEndAreRefusedAndNothingRuns() throws IOException {
    var trailers = new StringBuilder();
    for (int i = 0; i < 20_000; i++) {
      trailers.append("X-Trailer-").append(i).append(": v\r\n");
    }
    vm.get()
        .assertRefused(
            "20,000 trailer fields", CHUNKED + "2\r\n{}\r\n0\r\n" + trailers + "\r\n", 400, 431);
  }
}
