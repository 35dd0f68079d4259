package io.qemuoperator.sidecar.attack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Request smuggling (issue 18, item 4): a request whose length is told two ways carries a whole
 * second request, {@code POST /v1/commands/stop}, in its body. Whichever length a server believed,
 * the only right answer is one 400, and the stop must never run.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SmugglingIT {
  @RegisterExtension final QemuAndSidecar.PerClass vm = new QemuAndSidecar.PerClass();

  @BeforeEach
  void running() {
    vm.get().witness().running();
  }

  /** The request hidden in the body: a stop, with the token, complete. */
  private String smuggledStop() {
    return "POST /v1/commands/stop HTTP/1.1\r\nHost: sidecar\r\nAuthorization: Bearer "
        + vm.get().token()
        + "\r\nContent-Length: 0\r\n\r\n";
  }

  /** The outer request's head up to its framing fields. */
  private String outerHead() {
    return "POST /v1/commands/query-status HTTP/1.1\r\nHost: sidecar\r\nAuthorization: Bearer "
        + vm.get().token()
        + "\r\nContent-Type: application/json\r\n";
  }

  private void assertOne400AndNoStop(String request) throws IOException {
    long before = vm.get().witness().stops();
    var exchange = vm.get().raw().exchange(request);
    assertThat(exchange.statuses()).as("%s", exchange).containsExactly(400);
    assertThat(exchange.wellFormed()).as("%s", exchange).isTrue();
    assertThat(vm.get().witness().stops()).as("stops sent to QEMU").isEqualTo(before);
    assertThat(vm.get().witness().runState()).isEqualTo("running");
    assertThat(vm.get().sidecar().get("/healthz", false).status()).isEqualTo(200);
  }

  @Test
  void twoContentLengthsAre400AndTheSmuggledStopNeverRuns() throws IOException {
    String smuggled = smuggledStop();
    assertOne400AndNoStop(
        outerHead()
            + "Content-Length: 0\r\nContent-Length: "
            + smuggled.length()
            + "\r\n\r\n"
            + smuggled);
    assertOne400AndNoStop(
        outerHead()
            + "Content-Length: "
            + smuggled.length()
            + "\r\nContent-Length: 0\r\n\r\n"
            + smuggled);
  }

  /** CL.TE: a server that reads the chunked framing finds an empty body, then the stop. */
  @Test
  void contentLengthWithChunkedIs400AndTheStopAfterTheLastChunkNeverRuns() throws IOException {
    String body = "0\r\n\r\n" + smuggledStop();
    assertOne400AndNoStop(
        outerHead()
            + "Content-Length: "
            + body.length()
            + "\r\nTransfer-Encoding: chunked\r\n\r\n"
            + body);
  }

  /** TE.CL: a server that reads the length takes a few bytes, then the stop inside the chunk. */
  @Test
  void chunkedWithAShortContentLengthIs400AndTheStopInTheChunkNeverRuns() throws IOException {
    String smuggled = smuggledStop();
    String size = Integer.toHexString(smuggled.length());
    assertOne400AndNoStop(
        outerHead()
            + "Transfer-Encoding: chunked\r\nContent-Length: "
            + (size.length() + 2)
            + "\r\n\r\n"
            + size
            + "\r\n"
            + smuggled
            + "\r\n0\r\n\r\n");
  }
}
