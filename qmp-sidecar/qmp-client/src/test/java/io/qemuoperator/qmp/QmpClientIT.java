package io.qemuoperator.qmp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qemuoperator.testing.RawQmp;
import io.qemuoperator.testing.TestingQemu;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The QMP client against a real QEMU (TCG, no guest; {@code QEMU_SYSTEM}), one QEMU per test. */
class QmpClientIT {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final ObjectMapper JSON = new ObjectMapper();

  private TestingQemu qemu;

  @BeforeEach
  void startQemu() {
    qemu = TestingQemu.start();
  }

  @AfterEach
  void stopQemu() {
    qemu.close();
  }

  private QmpClientOptions options() {
    return new QmpClientOptions(
        qemu.qmpSocket(),
        Duration.ofSeconds(2),
        Duration.ofSeconds(2),
        Duration.ofSeconds(20),
        Duration.ofMillis(50),
        Duration.ofMillis(500),
        1024,
        10 * 1024 * 1024);
  }

  private QmpClient running() throws InterruptedException {
    QmpClient client = QmpClient.start(options());
    assertThat(client.awaitRunning(WAIT)).as("client reaches RUNNING").isTrue();
    return client;
  }

  private static Throwable failureOf(CompletableFuture<JsonNode> future, Duration within)
      throws Exception {
    try {
      future.get(within.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      return e.getCause();
    }
    throw new AssertionError("command succeeded: " + future.join());
  }

  @Test
  void parsesTheGreetingVersion() throws Exception {
    try (var client = running();
        var observer = RawQmp.connect(qemu.observerSocket())) {
      JsonNode qemuVersion = observer.greeting().path("QMP").path("version");
      QmpGreeting greeting = client.greeting().orElseThrow();
      assertThat(greeting.version())
          .isEqualTo(
              qemuVersion.path("qemu").path("major").asInt()
                  + "."
                  + qemuVersion.path("qemu").path("minor").asInt()
                  + "."
                  + qemuVersion.path("qemu").path("micro").asInt())
          .as("the QEMU under test (QEMU_SYSTEM), as query-version reports it")
          .isEqualTo(versionOf(observer.execute("query-version", null).path("return")));
      assertThat(greeting.packageName()).isEqualTo(qemuVersion.path("package").asText());
      assertThat(greeting.capabilities()).contains("oob");
      assertThat(client.sessions()).isEqualTo(1);
    }
  }

  @Test
  void queryStatusIsPrelaunch() throws Exception {
    try (var client = running()) {
      JsonNode status = client.call("query-status", null);
      assertThat(status.path("status").asText()).isEqualTo("prelaunch");
      assertThat(status.path("running").asBoolean(true)).isFalse();
    }
  }

  @Test
  void contAndStopEmitResumeAndStopWithIncreasingSeq() throws Exception {
    try (var client = running();
        var observer = RawQmp.connect(qemu.observerSocket())) {
      var received = new LinkedBlockingQueue<QmpEvent>();
      client.addEventListener(received::add); // subscribe before the commands that emit

      long before = client.events().lastSeq();
      client.call("cont", null);
      QmpEvent resume = received.poll(5, TimeUnit.SECONDS);
      assertThat(resume).isNotNull();
      assertThat(resume.name()).isEqualTo("RESUME");
      assertThat(resume.seq()).isGreaterThan(before);
      assertThat(resume.data().isObject()).isTrue();
      assertThat(observer.runState()).isEqualTo("running");

      client.call("stop", null);
      QmpEvent stop = received.poll(5, TimeUnit.SECONDS);
      assertThat(stop).isNotNull();
      assertThat(stop.name()).isEqualTo("STOP");
      assertThat(stop.seq()).isEqualTo(resume.seq() + 1);
      assertThat(stop.timestamp()).isAfterOrEqualTo(resume.timestamp());
      assertThat(observer.runState()).isEqualTo("paused");

      var page = client.events().after(before);
      assertThat(page.events()).extracting(QmpEvent::name).containsExactly("RESUME", "STOP");
      assertThat(page.gap()).isFalse();
    }
  }

  @Test
  void twoHundredConcurrentCommandsAreAllRoutedToTheirCallers() throws Exception {
    try (var client = running()) {
      var futures = new ArrayList<CompletableFuture<JsonNode>>();
      for (int i = 0; i < 200; i++) {
        futures.add(client.execute(i % 2 == 0 ? "query-status" : "query-name", null));
      }
      CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);
      for (int i = 0; i < 200; i++) {
        JsonNode result = futures.get(i).join();
        if (i % 2 == 0) {
          assertThat(result.path("status").asText()).as("reply %d", i).isEqualTo("prelaunch");
        } else {
          assertThat(result.path("name").asText()).as("reply %d", i).isEqualTo("testing-vm");
        }
      }
    }
  }

  @Test
  void keepsQemusErrorClassAndDesc() throws Exception {
    try (var client = running()) {
      var arguments = JSON.createObjectNode().put("name", "nosuchnic").put("up", false);
      assertThatThrownBy(() -> client.call("set_link", arguments))
          .isInstanceOfSatisfying(
              QmpCommandException.class,
              e -> {
                assertThat(e.errorClass()).isEqualTo("DeviceNotFound");
                assertThat(e.desc()).isEqualTo("Device 'nosuchnic' not found");
              });
      assertThat(client.state()).isEqualTo(QmpClientState.RUNNING);
    }
  }

  @Test
  void commandTimesOutWhileQemuIsFrozen() throws Exception {
    try (var client = running()) {
      qemu.stop();
      try {
        long start = System.nanoTime();
        var future = client.execute("query-status", null, Duration.ofMillis(500));
        Throwable failure = failureOf(future, Duration.ofSeconds(5));
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(failure).isInstanceOf(QmpTimeoutException.class);
        assertThat(took).isBetween(Duration.ofMillis(450), Duration.ofSeconds(3));
      } finally {
        qemu.cont();
      }
      // The late reply is dropped; the session goes on.
      assertThat(client.call("query-status", null).path("status").asText()).isEqualTo("prelaunch");
      assertThat(client.sessions()).isEqualTo(1);
    }
  }

  @Test
  void qemuKilledWithACommandInFlightFailsItAtOnce() throws Exception {
    try (var client = running()) {
      qemu.stop(); // keeps the command in flight until the kill
      var future = client.execute("query-status", null); // 20 s command timeout
      long start = System.nanoTime();
      qemu.kill();
      Throwable failure = failureOf(future, Duration.ofSeconds(5));
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      assertThat(failure).isInstanceOf(QmpDisconnectedException.class);
      assertThat(took).isLessThan(Duration.ofSeconds(2));
      await().atMost(WAIT).until(() -> client.state() != QmpClientState.RUNNING);
      assertThat(client.greeting()).isEmpty();
      assertThat(client.execute("query-status", null))
          .failsWithin(Duration.ofSeconds(1))
          .withThrowableOfType(ExecutionException.class)
          .withCauseInstanceOf(QmpDisconnectedException.class);
    }
  }

  @Test
  void reconnectsByItselfWhenQemuIsRestarted() throws Exception {
    try (var client = running()) {
      var events = new CopyOnWriteArrayList<String>();
      client.addSessionListener(
          new QmpSessionListener() {
            @Override
            public void connected(QmpGreeting greeting) {
              events.add("connected " + greeting.version());
            }

            @Override
            public void disconnected(QmpException cause) {
              events.add("disconnected");
            }
          });
      qemu.restart();
      await().atMost(WAIT).until(() -> client.sessions() == 2);
      assertThat(client.awaitRunning(WAIT)).isTrue();
      assertThat(client.call("query-status", null).path("status").asText()).isEqualTo("prelaunch");
      // The first session's "connected" may or may not reach a listener added after start().
      assertThat(events)
          .endsWith("disconnected", "connected " + client.greeting().orElseThrow().version());
      assertThat(events).filteredOn("disconnected"::equals).hasSize(1);
    }
  }

  @Test
  void quitReturnsNormallyThenTheClientLeavesRunning() throws Exception {
    try (var client = running()) {
      JsonNode result = client.call("quit", null);
      assertThat(result.isObject()).isTrue();
      assertThat(result.isEmpty()).isTrue();
      await().atMost(WAIT).until(() -> !qemu.alive());
      await()
          .atMost(WAIT)
          .until(
              () ->
                  List.of(QmpClientState.DISCONNECTED, QmpClientState.CONNECTING)
                      .contains(client.state()));
      assertThat(client.events().after(0).events()).extracting(QmpEvent::name).contains("SHUTDOWN");
    }
  }

  @Test
  void secondClientOnTheSameSocketFailsOnTheGreetingTimeout() throws Exception {
    try (var first = running()) {
      var failures = new LinkedBlockingQueue<QmpException>();
      var secondOptions =
          new QmpClientOptions(
              qemu.qmpSocket(),
              Duration.ofSeconds(1),
              Duration.ofSeconds(1),
              Duration.ofSeconds(5),
              Duration.ofSeconds(5),
              Duration.ofSeconds(5),
              16,
              1024 * 1024);
      QmpClient second = QmpClient.start(secondOptions);
      try {
        second.addSessionListener(
            new QmpSessionListener() {
              @Override
              public void attemptFailed(QmpException cause) {
                failures.add(cause);
              }
            });
        QmpException failure = failures.poll(5, TimeUnit.SECONDS);
        assertThat(failure)
            .isInstanceOf(QmpNegotiationException.class)
            .hasMessageContaining("no QMP greeting")
            .hasMessageContaining("greeting timeout")
            .hasMessageContaining("another client");
        assertThat(second.state()).isNotEqualTo(QmpClientState.RUNNING);
        assertThat(second.execute("query-status", null))
            .failsWithin(Duration.ofSeconds(1))
            .withThrowableOfType(ExecutionException.class)
            .withCauseInstanceOf(QmpDisconnectedException.class);
        // The first client is unaffected.
        assertThat(first.call("query-status", null).path("status").asText()).isEqualTo("prelaunch");
      } finally {
        second.close();
      }
    }
  }

  @Test
  void closeFailsPendingCommandsAndLeavesNoThreads() throws Exception {
    QmpClient client = running();
    qemu.stop();
    try {
      var pending = client.execute("query-status", null);
      long start = System.nanoTime();
      client.close();
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
      assertThat(pending).isCompletedExceptionally();
      assertThat(failureOf(pending, Duration.ofSeconds(1)))
          .isInstanceOf(QmpDisconnectedException.class);
      assertThat(client.state()).isEqualTo(QmpClientState.CLOSED);
      assertThat(client.liveThreads()).isEmpty();
      assertThat(client.execute("query-status", null)).isCompletedExceptionally();
    } finally {
      qemu.cont();
    }
  }

  private static String versionOf(JsonNode queryVersion) {
    JsonNode qemu = queryVersion.path("qemu");
    return qemu.path("major").asInt()
        + "."
        + qemu.path("minor").asInt()
        + "."
        + qemu.path("micro").asInt();
  }
}
