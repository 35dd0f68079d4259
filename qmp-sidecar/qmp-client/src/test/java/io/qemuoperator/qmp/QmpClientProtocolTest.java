package io.qemuoperator.qmp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/**
 * Protocol cases that real QEMU cannot be made to produce quickly, against {@link TestingQmpPeer}.
 */
class QmpClientProtocolTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final Duration LONG = Duration.ofMinutes(5);

  /** Commands the peer holds unanswered until {@code release} or {@code hang-up}. */
  private final List<JsonNode> held = new CopyOnWriteArrayList<>();

  private static QmpClientOptions options(TestingQmpPeer peer) {
    return new QmpClientOptions(
        peer.socket(),
        Duration.ofSeconds(2),
        Duration.ofSeconds(2),
        Duration.ofSeconds(5),
        Duration.ofMillis(20),
        Duration.ofMillis(200),
        16,
        4096);
  }

  private static List<String> script(JsonNode command) {
    return switch (command.path("execute").asText()) {
      case "long-line" -> List.of("{\"return\": \"" + "A".repeat(5000) + "\", \"id\": 1}");
      case "id-less-error" ->
          List.of("{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error\"}}");
      case "unknown-id-then-reply" ->
          List.of(
              "{\"return\": {\"stray\": true}, \"id\": 999999}",
              TestingQmpPeer.reply(command, "{\"ok\": true}"));
      case "events" ->
          List.of(
              "{\"event\": \"STOP\", \"timestamp\": {\"seconds\": 1700000000, \"microseconds\":"
                  + " 250}}",
              "{\"event\": \"RESET\", \"data\": {\"guest\": false}, \"timestamp\": {\"seconds\":"
                  + " 1700000001, \"microseconds\": 0}}",
              TestingQmpPeer.reply(command, "{}"));
      case "echo", "echo \"quoted\" \\ é" ->
          List.of(TestingQmpPeer.reply(command, command.toString()));
      default -> List.of(TestingQmpPeer.reply(command, "{\"status\": \"prelaunch\"}"));
    };
  }

  /** {@code held}: no answer yet; {@code release}: the held replies, then its own. */
  private List<String> holdingScript(JsonNode command) {
    return switch (command.path("execute").asText()) {
      case "held" -> {
        held.add(command);
        yield List.of();
      }
      case "release" -> {
        var lines = new ArrayList<String>();
        for (JsonNode late : held) {
          lines.add(TestingQmpPeer.reply(late, "{\"late\": true}"));
        }
        held.clear();
        lines.add(TestingQmpPeer.reply(command, "{\"released\": true}"));
        yield lines;
      }
      case "hang-up" -> List.of(TestingQmpPeer.HANG_UP);
      default -> script(command);
    };
  }

  private static Throwable failureOf(CompletableFuture<JsonNode> future) {
    assertThat(future).failsWithin(WAIT).withThrowableOfType(ExecutionException.class);
    return future.handle((value, failure) -> failure).join();
  }

  @Test
  void commandsReachThePeerAsOneJsonObjectPerLine() throws Exception {
    try (var peer = new TestingQmpPeer(QmpClientProtocolTest::script);
        var client = QmpClient.start(options(peer))) {
      assertThat(client.awaitRunning(WAIT)).isTrue();
      var arguments = QmpSession.JSON.createObjectNode().put("name", "a\"b\nc").put("up", false);

      JsonNode echoed = client.call("echo", arguments);
      assertThat(echoed.path("execute").asText()).isEqualTo("echo");
      assertThat(echoed.path("arguments")).isEqualTo(arguments);
      assertThat(echoed.path("id").isIntegralNumber()).isTrue();

      JsonNode bare = client.call("echo \"quoted\" \\ é", null);
      assertThat(bare.path("execute").asText()).isEqualTo("echo \"quoted\" \\ é");
      assertThat(bare.has("arguments")).isFalse();
    }
  }

  @Test
  void lineOverTheCapFailsTheCommandAndReconnects() throws Exception {
    try (var peer = new TestingQmpPeer(QmpClientProtocolTest::script);
        var client = QmpClient.start(options(peer))) {
      assertThat(client.awaitRunning(WAIT)).isTrue();
      assertThat(client.greeting()).get().extracting(QmpGreeting::version).isEqualTo("7.2.22");

      assertThatThrownBy(() -> client.call("long-line", null))
          .isInstanceOf(QmpProtocolException.class)
          .hasMessageContaining("4096");

      await().atMost(WAIT).until(() -> client.sessions() == 2 && client.awaitRunning(WAIT));
      assertThat(client.call("query-status", null).path("status").asText()).isEqualTo("prelaunch");
    }
  }

  @Test
  void errorReplyWithoutIdIsFatalForTheSession() throws Exception {
    try (var peer = new TestingQmpPeer(QmpClientProtocolTest::script);
        var client = QmpClient.start(options(peer))) {
      var disconnects = new CopyOnWriteArrayList<QmpException>();
      client.addSessionListener(
          new QmpSessionListener() {
            @Override
            public void disconnected(QmpException cause) {
              disconnects.add(cause);
            }
          });
      assertThat(client.awaitRunning(WAIT)).isTrue();

      assertThatThrownBy(() -> client.call("id-less-error", null))
          .isInstanceOf(QmpProtocolException.class)
          .hasMessageContaining("without an id");

      await().atMost(WAIT).until(() -> client.sessions() == 2);
      assertThat(disconnects).singleElement().isInstanceOf(QmpProtocolException.class);
      assertThat(peer.connections()).isEqualTo(2);
    }
  }

  @Test
  void replyWithUnknownIdIsDroppedAndRoutingContinues() throws Exception {
    try (var peer = new TestingQmpPeer(QmpClientProtocolTest::script);
        var client = QmpClient.start(options(peer))) {
      assertThat(client.awaitRunning(WAIT)).isTrue();
      assertThat(client.call("unknown-id-then-reply", null).path("ok").asBoolean()).isTrue();
      assertThat(client.sessions()).isEqualTo(1);
      assertThat(client.state()).isEqualTo(QmpClientState.RUNNING);
    }
  }

  @Test
  void eventsGetEmptyDataAndTimestampsAndAThrowingListenerDoesNotKillTheReader() throws Exception {
    try (var peer = new TestingQmpPeer(QmpClientProtocolTest::script);
        var client = QmpClient.start(options(peer))) {
      client.addEventListener(
          event -> {
            throw new IllegalStateException("listener bug");
          });
      var seen = new CopyOnWriteArrayList<QmpEvent>();
      client.addEventListener(seen::add);
      assertThat(client.awaitRunning(WAIT)).isTrue();

      client.call("events", null);
      client.call("events", null);

      // Listeners run on threads of their own: the replies may come first.
      await()
          .atMost(WAIT)
          .untilAsserted(
              () -> assertThat(seen).extracting(QmpEvent::seq).containsExactly(1L, 2L, 3L, 4L));
      QmpEvent stop = seen.get(0);
      assertThat(stop.name()).isEqualTo("STOP");
      assertThat(stop.data().isObject()).isTrue();
      assertThat(stop.data().isEmpty()).isTrue();
      assertThat(stop.timestamp()).isEqualTo(Instant.ofEpochSecond(1700000000, 250_000));
      assertThat(seen.get(1).data().path("guest").asBoolean(true)).isFalse();
      assertThat(client.events().after(0).events()).hasSize(4);
      assertThat(client.sessions()).isEqualTo(1);
    }
  }

  @Test
  void aCommandPastItsDeadlineTimesOutAndItsLateReplyIsDropped() throws Exception {
    try (var peer = new TestingQmpPeer(this::holdingScript);
        var client = QmpClient.start(options(peer))) {
      assertThat(client.awaitRunning(WAIT)).isTrue();
      var slow = client.execute("held", null, Duration.ofMillis(100));
      var patient = client.execute("held", null, LONG);

      assertThat(failureOf(slow))
          .isInstanceOf(QmpTimeoutException.class)
          .hasMessageContaining("'held' got no reply within PT0.1S");
      assertThat(patient).isNotDone();

      // The peer now answers both held commands, the timed-out one late, then "release".
      assertThat(client.call("release", null).path("released").asBoolean()).isTrue();
      assertThat(patient)
          .succeedsWithin(WAIT)
          .isEqualTo(QmpSession.JSON.readTree("{\"late\":true}"));
      assertThat(client.sessions()).isEqualTo(1);
      assertThat(client.state()).isEqualTo(QmpClientState.RUNNING);
    }
  }

  @Test
  void closingTheClientFailsEveryPendingCommandAtOnce() throws Exception {
    try (var peer = new TestingQmpPeer(this::holdingScript)) {
      var client = QmpClient.start(options(peer));
      assertThat(client.awaitRunning(WAIT)).isTrue();
      var pending =
          List.of(
              client.execute("held", null, LONG),
              client.execute("held", null, LONG),
              client.execute("held", null, LONG));
      await().atMost(WAIT).until(() -> held.size() == 3);

      client.close();

      assertThat(pending).allSatisfy(future -> assertThat(future).isCompletedExceptionally());
      assertThat(pending)
          .allSatisfy(
              future ->
                  assertThat(failureOf(future))
                      .isInstanceOf(QmpDisconnectedException.class)
                      .hasMessage("'held' failed: the QMP client was closed"));
      assertThat(client.liveThreads()).isEmpty();
    }
  }

  @Test
  void aConnectionLostFailsEveryPendingCommandAndTheClientReconnects() throws Exception {
    try (var peer = new TestingQmpPeer(this::holdingScript);
        var client = QmpClient.start(options(peer))) {
      assertThat(client.awaitRunning(WAIT)).isTrue();
      var pending = new ArrayList<CompletableFuture<JsonNode>>();
      for (int i = 0; i < 3; i++) {
        pending.add(client.execute("held", null, LONG));
      }
      pending.add(client.execute("hang-up", null, LONG));

      assertThat(pending)
          .allSatisfy(
              future ->
                  assertThat(failureOf(future))
                      .isInstanceOf(QmpDisconnectedException.class)
                      .hasMessageContaining("QEMU closed the QMP connection"));

      await().atMost(WAIT).until(() -> client.sessions() == 2 && client.awaitRunning(WAIT));
      assertThat(client.call("query-status", null).path("status").asText()).isEqualTo("prelaunch");
    }
  }
}
