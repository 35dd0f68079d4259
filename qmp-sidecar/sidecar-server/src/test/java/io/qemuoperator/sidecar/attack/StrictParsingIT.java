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
 * What RFC 9112 says a server must refuse (issue 18, item 7), each in a {@code POST
 * /v1/commands/stop} with the right token, so that a server that let it through would run the stop:
 * each must be answered (a 400, or 431 for a head too large), not silently closed, and the stop
 * must never run.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StrictParsingIT {
  private static final String TOKEN = QemuAndSidecar.TOKEN;
  private static final String LINE = "POST /v1/commands/stop HTTP/1.1\r\n";
  private static final String FIELDS =
      "Host: sidecar\r\nAuthorization: Bearer " + TOKEN + "\r\nContent-Type: application/json\r\n";

  @RegisterExtension final QemuAndSidecar.PerClass vm = new QemuAndSidecar.PerClass();

  static Stream<Arguments> requestsRfc9112Refuses() {
    String body = "\r\n{}";
    return Stream.of(
        Arguments.of("Content-Length: +2", LINE + FIELDS + "Content-Length: +2\r\n" + body),
        Arguments.of(
            "Content-Length in Arabic-Indic digits",
            LINE + FIELDS + "Content-Length: \u0662\r\n" + body),
        Arguments.of(
            "Content-Length in full-width digits",
            LINE + FIELDS + "Content-Length: \uff12\r\n" + body),
        Arguments.of("Content-Length: 2 2", LINE + FIELDS + "Content-Length: 2 2\r\n" + body),
        Arguments.of(
            "two Transfer-Encoding fields",
            LINE
                + FIELDS
                + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"),
        Arguments.of(
            "chunked not the final coding",
            LINE + FIELDS + "Transfer-Encoding: chunked, identity\r\n\r\n2\r\n{}\r\n0\r\n\r\n"),
        Arguments.of(
            "an obs-fold line",
            LINE + FIELDS + "X-Folded: first\r\n second\r\nContent-Length: 2\r\n" + body),
        Arguments.of(
            "a bare CR in a field value",
            LINE + FIELDS + "X-Value: a\rb\r\nContent-Length: 2\r\n" + body),
        Arguments.of(
            "a NUL in a field value",
            LINE + FIELDS + "X-Value: a\0b\r\nContent-Length: 2\r\n" + body),
        Arguments.of(
            "a parenthesis in a field name",
            LINE + FIELDS + "X(Value): b\r\nContent-Length: 2\r\n" + body),
        Arguments.of(
            "a space in a field name",
            LINE + FIELDS + "X Value: b\r\nContent-Length: 2\r\n" + body),
        Arguments.of(
            "whitespace between field name and colon",
            LINE + FIELDS + "Content-Length : 2\r\n" + body),
        Arguments.of(
            "two Host fields", LINE + FIELDS + "Host: other\r\nContent-Length: 2\r\n" + body),
        Arguments.of(
            "no Host field",
            LINE + FIELDS.replace("Host: sidecar\r\n", "") + "Content-Length: 2\r\n" + body));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("requestsRfc9112Refuses")
  void aRequestRfc9112RefusesIsAnswered400AndNothingRuns(String name, String request)
      throws IOException {
    vm.get().assertRefused(name, request, 400);
  }

  /**
   * {@code HTTP/1.1junk} is no HTTP-version: 400 by RFC 9112, or 505 (Version Not Supported), which
   * is what Jetty answers to a version it does not know; a refusal either way.
   */
  @Test
  void aVersionWithJunkIsRefusedAndNothingRuns() throws IOException {
    vm.get()
        .assertRefused(
            "HTTP/1.1junk",
            LINE.replace("HTTP/1.1", "HTTP/1.1junk") + FIELDS + "Content-Length: 2\r\n\r\n{}",
            400,
            505);
  }

  @Test
  void anOversizedHeadIsAnswered431AndNothingRuns() throws IOException {
    vm.get()
        .assertRefused(
            "an oversized head",
            LINE + FIELDS + "X-Big: " + "b".repeat(70_000) + "\r\nContent-Length: 2\r\n\r\n{}",
            431);
  }
}
