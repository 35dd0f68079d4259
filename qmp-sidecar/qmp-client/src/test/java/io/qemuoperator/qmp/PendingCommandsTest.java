package io.qemuoperator.qmp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PendingCommandsTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final Duration LONG = Duration.ofMinutes(5);

  private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1);
  private final PendingCommands commands =
      new PendingCommands(Path.of("/run/qmp/test.sock"), timer, Duration.ofSeconds(30));

  @AfterEach
  void shutDown() {
    timer.shutdownNow();
  }

  private static JsonNode reply(String json) throws Exception {
    return QmpSession.JSON.readTree(json);
  }

  private static Throwable causeOf(CompletableFuture<JsonNode> future) {
    assertThat(future).failsWithin(WAIT).withThrowableOfType(ExecutionException.class);
    return future.handle((value, failure) -> failure).join();
  }

  @Test
  void repliesCompleteTheCommandWithTheirIdAndKeepQemusErrorClassAndDesc() throws Exception {
    commands.start();
    var first = commands.register("query-status", LONG);
    var second = commands.register("set_link", LONG);
    assertThat(second.id()).isNotEqualTo(first.id());

    commands.answer(
        IntNode.valueOf((int) second.id()),
        reply("{\"error\": {\"class\": \"DeviceNotFound\", \"desc\": \"Device 'x' not found\"}}"));
    commands.answer(IntNode.valueOf((int) first.id()), reply("{\"return\": {\"running\": false}}"));

    assertThat(first.future()).succeedsWithin(WAIT).isEqualTo(reply("{\"running\": false}"));
    assertThat(causeOf(second.future()))
        .isInstanceOfSatisfying(
            QmpCommandException.class,
            e -> {
              assertThat(e.errorClass()).isEqualTo("DeviceNotFound");
              assertThat(e.desc()).isEqualTo("Device 'x' not found");
            });
    assertThat(commands.size()).isZero();
  }

  @Test
  void aDeadlineFailsTheCommandAndItsLateReplyIsDropped() throws Exception {
    commands.start();
    var slow = commands.register("query-status", Duration.ofMillis(50));
    var patient = commands.register("query-name", LONG);

    assertThat(causeOf(slow.future()))
        .isInstanceOf(QmpTimeoutException.class)
        .hasMessageContaining("'query-status' got no reply within PT0.05S");
    commands.answer(IntNode.valueOf((int) slow.id()), reply("{\"return\": {}}"));

    assertThat(slow.future()).isCompletedExceptionally();
    assertThat(patient.future()).isNotDone();
    assertThat(commands.size()).isEqualTo(1);
  }

  @Test
  void anUnknownIdIsDroppedAndTheOthersStayPending() throws Exception {
    commands.start();
    var waiting = commands.register("query-status", LONG);
    commands.answer(IntNode.valueOf(999_999), reply("{\"return\": {}}"));
    commands.answer(QmpSession.JSON.getNodeFactory().textNode("abc"), reply("{\"return\": {}}"));
    assertThat(waiting.future()).isNotDone();
    assertThat(commands.size()).isEqualTo(1);
  }

  @Test
  void failAllFailsEveryPendingCommandAtOnceAndLaterOnesAtRegistration() {
    commands.start();
    var pending =
        List.of(
            commands.register("query-status", LONG),
            commands.register("stop", LONG),
            commands.register("qmp_capabilities", null));

    commands.end(new QmpDisconnectedException("QEMU closed the QMP connection"));
    assertThat(pending).allSatisfy(ticket -> assertThat(ticket.future()).isNotDone());
    commands.failAll();

    for (var ticket : pending) {
      assertThat(ticket.future()).isCompletedExceptionally();
      assertThat(causeOf(ticket.future()))
          .isInstanceOf(QmpDisconnectedException.class)
          .hasMessage("'" + ticket.command() + "' failed: QEMU closed the QMP connection")
          .hasCauseInstanceOf(QmpDisconnectedException.class);
    }
    var late = commands.register("cont", LONG);
    assertThat(late.future()).isCompletedExceptionally();
    assertThat(causeOf(late.future())).isInstanceOf(QmpDisconnectedException.class);
    assertThat(commands.size()).isZero();
  }

  @Test
  void aProtocolErrorFailsThePendingCommandsAsProtocolErrors() {
    commands.start();
    var ticket = commands.register("query-status", LONG);
    commands.end(new QmpProtocolException("QMP error reply without an id"));
    commands.failAll();
    assertThat(causeOf(ticket.future()))
        .isInstanceOf(QmpProtocolException.class)
        .hasMessageContaining("QMP error reply without an id");
  }

  @Test
  void onlyTheFirstEndCounts() {
    commands.end(new QmpProtocolException("first"));
    commands.end(new QmpDisconnectedException("second"));
    var ticket = commands.register("query-status", LONG);
    assertThat(causeOf(ticket.future())).isInstanceOf(QmpProtocolException.class);
  }

  @Test
  void failAllBeforeEndIsAMistake() {
    assertThatThrownBy(commands::failAll).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aFailedWriteFailsOnlyThatCommand() {
    commands.start();
    var written = commands.register("query-status", LONG);
    var unsent = commands.register("stop", LONG);
    commands.sendFailed(unsent, new IOException("Broken pipe"));
    assertThat(causeOf(unsent.future()))
        .isInstanceOf(QmpDisconnectedException.class)
        .hasMessageContaining("sending 'stop' to /run/qmp/test.sock failed")
        .hasMessageContaining("Broken pipe");
    assertThat(written.future()).isNotDone();
  }
}
