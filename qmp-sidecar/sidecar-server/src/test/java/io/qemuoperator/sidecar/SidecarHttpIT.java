package io.qemuoperator.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import io.qemuoperator.testing.RawQmp;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The sidecar's HTTP contract against real QEMU: authentication, every kind of bad input of
 * qemu-compat.md §6 refused before QEMU sees it, the state snapshot, events, metrics, and what
 * happens when QEMU dies and comes back.
 */
class SidecarHttpIT {
  @RegisterExtension final SidecarOnQemu vm = new SidecarOnQemu();

  private TestingSidecar.Answer raw(String method, String path, String auth, String body) {
    var request =
        HttpRequest.newBuilder(vm.sidecar().uri(path))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (auth != null) {
      request.header("Authorization", auth);
    }
    return vm.sidecar().send(request);
  }

  /** QEMU still answers, and was never sent what the sidecar refused. */
  private void assertQemuUntouched() throws Exception {
    try (var observer = RawQmp.connect(vm.qemu().observerSocket())) {
      assertThat(observer.runState()).isEqualTo("prelaunch");
    }
    assertThat(vm.sidecar().command("query-status", null).status()).isEqualTo(200);
  }

  @Test
  void probesNeedNoTokenAndSayWhatTheyKnow() {
    var health = vm.sidecar().get("/healthz", false);
    assertThat(health.status()).isEqualTo(200);
    var ready = vm.sidecar().get("/readyz", false);
    assertThat(ready.status()).isEqualTo(200);
    assertThat(ready.json().path("qemu").asText()).matches("\\d+\\.\\d+\\.\\d+");
  }

  @Test
  void everyV1CallWithoutTheRightTokenGets401() {
    for (String auth :
        new String[] {null, "Bearer wrong-token-wrong-token", "Basic abc", "Bearer"}) {
      var command = raw("POST", "/v1/commands/query-status", auth, null);
      assertThat(command.status()).as("auth %s", auth).isEqualTo(401);
      assertThat(command.errorClass()).isEqualTo("Unauthorized");
      assertThat(raw("GET", "/v1/state", auth, null).status()).isEqualTo(401);
      assertThat(raw("GET", "/v1/events", auth, null).status()).isEqualTo(401);
    }
    assertThat(raw("GET", "/v1/state", "bearer " + vm.sidecar().token(), null).status())
        .as("the scheme is case-insensitive")
        .isEqualTo(200);
  }

  @Test
  void unknownCommandsAre404AndWrongMethods405() {
    var unknown = vm.sidecar().command("no-such-command", null);
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.errorClass()).isEqualTo("CommandNotFound");
    assertThat(unknown.desc()).contains("no-such-command");
    assertThat(vm.sidecar().command("qmp_capabilities", null).status())
        .as("the sidecar owns negotiation")
        .isEqualTo(404);
    assertThat(
            raw("GET", "/v1/commands/query-status", "Bearer " + vm.sidecar().token(), null)
                .status())
        .isEqualTo(405);
    assertThat(raw("DELETE", "/v1/state", "Bearer " + vm.sidecar().token(), null).status())
        .isEqualTo(405);
  }

  @Test
  void malformedJsonIsRefusedWith400() throws Exception {
    String[] bodies = {
      "{\"value\" 1}", // missing colon
      "this is not json",
      "{'value': 134217728}", // QEMU would accept single quotes; we do not
      "{\"value\":1,\"value\":2}", // duplicate key
      "{\"value\":134217728", // unterminated object: QEMU would swallow the next command
      "{\"value\":134217728} xyz", // trailing garbage
      "\"abc\nd\"",
      "{\"value\": \"\\uD800\"}" + "\u00ff",
    };
    for (String body : bodies) {
      var answer = vm.sidecar().command("balloon", body);
      assertThat(answer.status()).as(body).isEqualTo(400);
      assertThat(answer.errorClass()).as(body).isIn("BadRequest", "InvalidArguments");
    }
    assertQemuUntouched();
  }

  @Test
  void argumentsThatBreakTheSchemaAreRefusedWith400NamingMemberAndType() throws Exception {
    record Case(String command, String body, String... mentions) {}
    var cases =
        List.of(
            new Case("balloon", "[1,2,3]", "object"),
            new Case("balloon", "42", "object"),
            new Case("balloon", "{}", "value", "missing"),
            new Case("balloon", "{\"value\":\"134217728\"}", "value", "int"),
            new Case("balloon", "{\"value\":1.5e8}", "value", "int"),
            new Case("balloon", "{\"value\":18446744073709551616}", "value", "int"),
            new Case("balloon", "{\"value\":134217728,\"extra\":true}", "extra"),
            new Case("query-status", "{\"foo\":1}", "foo"),
            new Case("set_link", "{}", "name"),
            new Case("set_link", "{\"name\":\"nic0\",\"up\":\"yes\"}", "up", "bool"),
            new Case("block_resize", "{\"device\":7,\"size\":1}", "device", "str"),
            new Case("block_resize", "{\"device\":\"drive0\"}", "size"),
            new Case("migrate_set_downtime", "{\"value\":\"0.5\"}", "value", "number"));
    for (Case c : cases) {
      var answer = vm.sidecar().command(c.command(), c.body());
      assertThat(answer.status())
          .as("%s %s: %s", c.command(), c.body(), answer.text())
          .isEqualTo(400);
      assertThat(answer.errorClass()).isEqualTo("InvalidArguments");
      assertThat(answer.desc()).as(c.body()).contains(c.mentions());
    }
    assertQemuUntouched();
  }

  @Test
  void deeplyNestedArgumentsAreRefused() throws Exception {
    String nested = "[".repeat(2000) + "]".repeat(2000);
    var answer = vm.sidecar().command("qom-get", "{\"path\":" + nested + ",\"property\":\"type\"}");
    assertThat(answer.status()).isEqualTo(400);
    assertQemuUntouched();
  }

  /**
   * Sends {@code head} (request line and headers) and {@code body} over a plain socket and returns
   * the status line. A plain socket, because an HTTP client that is still writing a large body when
   * the server answers early and closes can see a reset instead of the answer.
   */
  private String rawExchange(String head, byte[] body) throws Exception {
    try (var socket = new java.net.Socket("127.0.0.1", vm.sidecar().uri("/").getPort())) {
      socket.setSoTimeout(10_000);
      var out = socket.getOutputStream();
      out.write(head.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      out.write(body);
      out.flush();
      var in =
          new java.io.BufferedReader(
              new java.io.InputStreamReader(
                  socket.getInputStream(), java.nio.charset.StandardCharsets.UTF_8));
      return in.readLine();
    }
  }

  @Test
  void bodiesOverTheCapAre413() throws Exception {
    // qemu-compat §6: QEMU takes minutes to read a 16 MiB string and echoes it back whole. The
    // sidecar refuses on the declared length, before reading any of it.
    String declared =
        "POST /v1/commands/qom-get HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
            + vm.sidecar().token()
            + "\r\nContent-Type: application/json\r\nContent-Length: "
            + (16 << 20)
            + "\r\n\r\n";
    assertThat(rawExchange(declared, new byte[0])).startsWith("HTTP/1.1 413");

    // Without a length (chunked), it stops reading at the cap.
    int size = SidecarConfig.DEFAULT_MAX_BODY_BYTES + 1;
    String chunked =
        "POST /v1/commands/qom-get HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
            + vm.sidecar().token()
            + "\r\nTransfer-Encoding: chunked\r\n\r\n"
            + Integer.toHexString(size)
            + "\r\n";
    byte[] body = new byte[size + 7];
    java.util.Arrays.fill(body, (byte) '0');
    System.arraycopy(
        "\r\n0\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, body, size, 7);
    assertThat(rawExchange(chunked, body)).startsWith("HTTP/1.1 413");

    assertQemuUntouched();
  }

  @Test
  void aBodyNotAllThereWithinTheDeadlineIs408AndNothingRuns() throws Exception {
    try (var socket = new java.net.Socket("127.0.0.1", vm.sidecar().uri("/").getPort())) {
      socket.setSoTimeout(1_000);
      var out = socket.getOutputStream();
      out.write(
          ("POST /v1/commands/stop HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                  + vm.sidecar().token()
                  + "\r\nContent-Length: 100\r\n\r\n")
              .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      long started = System.nanoTime();
      byte[] answer = new byte[4096];
      int got = 0;
      // a byte a second keeps the connection from idling: only the body's deadline ends it
      while (got == 0) {
        assertThat(Duration.ofNanos(System.nanoTime() - started))
            .isLessThan(JsonExchange.BODY_DEADLINE.plusSeconds(5));
        out.write(' ');
        out.flush();
        try {
          got = socket.getInputStream().read(answer);
        } catch (java.net.SocketTimeoutException e) {
          // not yet
        }
      }
      String text = new String(answer, 0, got, java.nio.charset.StandardCharsets.UTF_8);
      assertThat(Duration.ofNanos(System.nanoTime() - started))
          .isGreaterThanOrEqualTo(JsonExchange.BODY_DEADLINE.minusMillis(100));
      assertThat(text).startsWith("HTTP/1.1 408").contains("RequestTimeout");
      assertThat(text.toLowerCase(java.util.Locale.ROOT)).contains("connection: close");
    }
    assertQemuUntouched();
  }

  @Test
  void errorAnswersStaySmallNameTheProblemAndNeverEchoTheBody() {
    record Case(String what, String path, String body, int status) {}
    String run = "a".repeat(60_000);
    String name = "k".repeat(30_000);
    var cases =
        List.of(
            new Case("a string", "/v1/commands/balloon", '"' + run + '"', 400),
            new Case("an array", "/v1/commands/balloon", "[" + "1,".repeat(30_000) + "1]", 400),
            new Case("a long number", "/v1/commands/balloon", "1".repeat(60_000), 400),
            new Case("not JSON", "/v1/commands/balloon", run, 400),
            new Case(
                "a long member name", "/v1/commands/balloon", "{\"" + name + name + "\":1}", 400),
            new Case(
                "a long member name twice",
                "/v1/commands/balloon",
                "{\"" + name + "\":1,\"" + name + "\":2}",
                400),
            new Case(
                "deep nesting", "/v1/commands/balloon", "{\"value\":" + "[".repeat(30_000), 400),
            new Case(
                "a long migration host",
                "/v1/migration/incoming",
                "{\"host\":\"" + run + "\",\"port\":1}",
                400),
            new Case(
                "an unknown migration member",
                "/v1/migration/incoming",
                "{\"host\":\"::\",\"port\":1,\"" + name + "\":1}",
                400),
            new Case("a wrong migration type", "/v1/migration/incoming", "[" + run + "]", 400));
    for (Case c : cases) {
      var answer = vm.sidecar().post(c.path(), c.body());
      assertThat(answer.status()).as("%s: %s", c.what(), answer.text()).isEqualTo(c.status());
      assertSmallOwnErrorText(c.what(), answer);
    }
    // QEMU's own desc quotes the argument: kept as QEMU's, but cut.
    var quoted =
        vm.sidecar().command("qom-get", "{\"path\":\"/" + run + "\",\"property\":\"type\"}");
    assertThat(quoted.status()).isEqualTo(422);
    assertThat(quoted.errorClass()).isEqualTo("DeviceNotFound");
    assertThat(quoted.desc()).startsWith("Device '/aaa").endsWith("… (cut)");
    assertThat(quoted.text().length()).isLessThan(1024);

    var longName = vm.sidecar().command("c".repeat(8_000), null);
    assertThat(longName.status()).isEqualTo(404);
    assertSmallOwnErrorText("a long command name", longName);
    var longNumber = vm.sidecar().get("/v1/events?after=" + "9".repeat(8_000), true);
    assertThat(longNumber.status()).isEqualTo(400);
    assertSmallOwnErrorText("a long event number", longNumber);

    var notJson = vm.sidecar().command("balloon", "{\"value\":\n  12x}");
    assertThat(notJson.desc()).isEqualTo("the request body is not valid JSON (line 2, column 5)");
    assertThat(vm.sidecar().command("balloon", '"' + run + '"').desc())
        .isEqualTo("the arguments must be a JSON object, got a string");
  }

  private static void assertSmallOwnErrorText(String what, TestingSidecar.Answer answer) {
    assertThat(answer.text().length()).as("%s: %s", what, answer.text()).isLessThan(1024);
    assertThat(answer.errorClass()).as(what).isNotBlank();
    assertThat(answer.desc()).as(what).isNotBlank();
    assertThat(answer.text())
        .as("%s: %s", what, answer.text())
        .doesNotContain("a".repeat(100), "k".repeat(100), "c".repeat(100), "9".repeat(100))
        .doesNotContain("com.fasterxml", "java.", "io.qemuoperator", "Jackson", "`");
  }

  @Test
  void aReplacedTokenFileIsTakenUpWithinSecondsAndTheOldTokenStaysValidMeanwhile()
      throws Exception {
    String old = "Bearer " + vm.sidecar().token();
    String fresh = "Bearer fresh-token-" + java.util.UUID.randomUUID();
    // As a Secret volume is updated: the new content written aside, then renamed over the old.
    var aside = vm.sidecar().tokenFile().resolveSibling("token.new");
    java.nio.file.Files.writeString(aside, fresh.substring("Bearer ".length()));
    long replaced = System.nanoTime();
    java.nio.file.Files.move(
        aside, vm.sidecar().tokenFile(), java.nio.file.StandardCopyOption.ATOMIC_MOVE);

    Awaitility.await("the new token accepted")
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> raw("GET", "/v1/dialect", fresh, null).status() == 200);
    Duration takenUp = Duration.ofNanos(System.nanoTime() - replaced);
    System.out.printf("token file replaced: new token accepted after %d ms%n", takenUp.toMillis());
    assertThat(takenUp).isLessThan(BearerToken.ROTATION_GRACE);
    assertThat(raw("GET", "/v1/dialect", old, null).status())
        .as("the old token, within its grace")
        .isEqualTo(200);
    assertThat(raw("GET", "/v1/dialect", "Bearer wrong-token-wrong-token", null).status())
        .isEqualTo(401);
  }

  @Test
  void headIsAnsweredAsGetWithoutABody() {
    for (String path : List.of("/healthz", "/readyz", "/v1/dialect", "/v1/migration")) {
      var get = vm.sidecar().get(path, true);
      var head =
          vm.sidecar()
              .send(
                  HttpRequest.newBuilder(vm.sidecar().uri(path))
                      .header("Authorization", "Bearer " + vm.sidecar().token())
                      .HEAD());
      assertThat(head.status()).as(path).isEqualTo(get.status()).isEqualTo(200);
      assertThat(head.text()).as(path).isEmpty();
    }
    assertThat(
            raw("HEAD", "/v1/commands/query-status", "Bearer " + vm.sidecar().token(), null)
                .status())
        .isEqualTo(405);
  }

  @Test
  void qmpSentAsOnlyWhenTheCommandWasTranslated() {
    var plain = vm.sidecar().command("query-status", null);
    assertThat(plain.status()).isEqualTo(200);
    assertThat(plain.sentAs()).as("sent as it is").isEmpty();
    var cpus = vm.sidecar().command("query-cpus", null);
    assertThat(cpus.status()).isEqualTo(200);
    assertThat(cpus.sentAs()).contains("query-cpus-fast");
  }

  @Test
  void anOversizedRequestHeadIs431HeaderTooLarge() throws Exception {
    try (var socket = new java.net.Socket("127.0.0.1", vm.sidecar().uri("/").getPort())) {
      socket.setSoTimeout(10_000);
      String head = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(16_400) + "\r\n\r\n";
      socket.getOutputStream().write(head.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
      String answer =
          new String(
              socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      assertThat(answer).startsWith("HTTP/1.1 431").contains("\"class\":\"HeaderTooLarge\"");
    }
  }

  @Test
  void stateIsOneSnapshotOfWhatQemuReports() {
    assertThat(vm.sidecar().command("cont", null).status()).isEqualTo(200);
    var state = vm.sidecar().get("/v1/state", true);
    assertThat(state.status()).as(state.text()).isEqualTo(200);
    var snapshot = state.value();
    assertThat(snapshot.path("instance").asText()).isEqualTo(vm.sidecar().instance());
    assertThat(snapshot.at("/status/status").asText()).isEqualTo("running");
    assertThat(snapshot.at("/balloon/actual").asLong()).isEqualTo(128L << 20);
    assertThat(snapshot.path("cpus")).hasSize(2);
    assertThat(snapshot.at("/cpus/0/thread_id").asLong()).isPositive();
    assertThat(snapshot.path("block").toString()).contains("drive0", "cd0");
    assertThat(snapshot.at("/migrateParameters/max-bandwidth").asLong()).isPositive();
    assertThat(snapshot.at("/memorySize/base-memory").asLong()).isEqualTo(128L << 20);
    assertThat(snapshot.at("/qemu/version").asText()).matches("\\d+\\.\\d+\\.\\d+");
    assertThat(snapshot.path("eventSeq").asLong()).isPositive();
    assertThat(snapshot.path("errors")).isEmpty();
  }

  @Test
  void eventsCarrySequenceNumbersAndTheInstanceAndLongPollWakesUp() throws Exception {
    var first = vm.sidecar().get("/v1/events?after=0", true);
    assertThat(first.json().path("instance").asText()).isEqualTo(vm.sidecar().instance());
    long last = first.json().path("lastSeq").asLong();

    CompletableFuture<TestingSidecar.Answer> poll =
        CompletableFuture.supplyAsync(
            () -> vm.sidecar().get("/v1/events?after=" + last + "&wait=20", true));
    Thread.sleep(200); // the poll is waiting now; cont below must wake it, long before 20 s
    long sent = System.nanoTime();
    assertThat(vm.sidecar().command("cont", null).status()).isEqualTo(200);
    var woken = poll.get();
    assertThat(Duration.ofNanos(System.nanoTime() - sent)).isLessThan(Duration.ofSeconds(10));
    assertThat(woken.json().path("events").get(0).path("event").asText()).isEqualTo("RESUME");
    assertThat(woken.json().path("events").get(0).path("seq").asLong()).isEqualTo(last + 1);
    assertThat(woken.json().path("gap").asBoolean()).isFalse();

    assertThat(vm.sidecar().get("/v1/events?after=-1", true).status()).isEqualTo(400);
    assertThat(vm.sidecar().get("/v1/events?after=x", true).status()).isEqualTo(400);
  }

  @Test
  void metricsShowRoundTripsErrorsEventsAndVmFigures() {
    vm.sidecar().command("cont", null);
    vm.sidecar().command("set_link", "{\"name\":\"nosuchnic\",\"up\":false}");
    // Events are counted on the metrics listener's own thread, possibly after the replies.
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              var metrics = vm.sidecar().get("/metrics", false);
              assertThat(metrics.status()).isEqualTo(200);
              assertThat(metrics.text())
                  .contains(
                      "qmp_command_seconds_count{command=\"cont\",result=\"ok\"}",
                      "qmp_errors_total{class=\"DeviceNotFound\"}",
                      "qmp_events_total{event=\"RESUME\"}",
                      "qemu_balloon_actual_bytes " + (double) (128L << 20),
                      "qemu_block_read_bytes{device=\"drive0\"}",
                      "qmp_connected 1.0");
            });
  }

  @Test
  void whenQemuDiesReadinessDropsInFlightCallsFailFastAndRestartReconnects() throws Exception {
    assertThat(vm.sidecar().command("cont", null).status()).isEqualTo(200);
    vm.qemu().stop(); // SIGSTOP: the next command is in flight and unanswered
    CompletableFuture<TestingSidecar.Answer> inFlight =
        CompletableFuture.supplyAsync(() -> vm.sidecar().command("query-status", null));
    Thread.sleep(300);
    long killed = System.nanoTime();
    vm.qemu().kill();
    var failed = inFlight.get();
    assertThat(Duration.ofNanos(System.nanoTime() - killed))
        .as("fails at once, not at the 30 s command deadline")
        .isLessThan(Duration.ofSeconds(5));
    assertThat(failed.status()).isEqualTo(503);
    assertThat(failed.errorClass()).isEqualTo("QmpNotConnected");
    Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> vm.sidecar().get("/readyz", false).status() == 503);
    assertThat(vm.sidecar().command("query-status", null).status()).isEqualTo(503);

    vm.qemu().restart();
    vm.sidecar().awaitReady();
    var status = vm.sidecar().command("query-status", null);
    assertThat(status.status()).isEqualTo(200);
    assertThat(status.value().path("status").asText()).isEqualTo("prelaunch");
  }
}
