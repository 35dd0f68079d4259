package io.qemuoperator.qmp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Event listeners get their own queue and thread: against {@link TestingQmpPeer}, whose {@code
 * events} command answers with two events (STOP, RESET) and then its reply.
 */
class QmpEventSubscriptionTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final int QUEUE = 16;

  private TestingQmpPeer peer;
  private QmpClient client;

  @BeforeEach
  void start() throws Exception {
    peer =
        new TestingQmpPeer(
            command ->
                switch (command.path("execute").asText()) {
                  case "events" ->
                      List.of(
                          "{\"event\": \"STOP\", \"timestamp\": {\"seconds\": 1, \"microseconds\":"
                              + " 0}}",
                          "{\"event\": \"RESET\", \"timestamp\": {\"seconds\": 2, \"microseconds\":"
                              + " 0}}",
                          TestingQmpPeer.reply(command, "{}"));
                  default -> List.of(TestingQmpPeer.reply(command, "{\"status\": \"paused\"}"));
                });
    client =
        QmpClient.create(
            new QmpClientOptions(
                peer.socket(),
                Duration.ofSeconds(2),
                Duration.ofSeconds(2),
                Duration.ofSeconds(5),
                Duration.ofMillis(20),
                Duration.ofMillis(200),
                QUEUE,
                4096));
  }

  @AfterEach
  void stop() throws Exception {
    client.close();
    peer.close();
  }

  private void connect() throws InterruptedException {
    client.connect();
    assertThat(client.awaitRunning(WAIT)).isTrue();
  }

  /** Sends {@code events} {@code times} times; each returns once its two events were read. */
  private void emitEvents(int times) throws QmpException {
    for (int i = 0; i < times; i++) {
      client.call("events", null);
    }
  }

  private static List<Long> seqs(long from, long to) {
    return LongStream.rangeClosed(from, to).boxed().toList();
  }

  /** A listener that blocks on its first event until released, then records what it gets. */
  private static final class StuckListener implements Consumer<QmpEvent> {
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    final List<Long> seen = new CopyOnWriteArrayList<>();

    @Override
    public void accept(QmpEvent event) {
      seen.add(event.seq());
      entered.countDown();
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    void awaitEntered() throws InterruptedException {
      assertThat(entered.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    }
  }

  @Test
  void aStuckListenerDelaysNeitherRepliesNorOtherListeners() throws Exception {
    var stuck = new StuckListener();
    var other = new CopyOnWriteArrayList<Long>();
    client.addEventListener(stuck);
    client.addEventListener(event -> other.add(event.seq()));
    connect();

    emitEvents(1);
    stuck.awaitEntered();
    // The reply came although the first listener has not returned; the second one has it all.
    assertThat(client.call("query-status", null).path("status").asText()).isEqualTo("paused");
    emitEvents(1);
    await().atMost(WAIT).untilAsserted(() -> assertThat(other).isEqualTo(seqs(1, 4)));
    assertThat(stuck.seen).containsExactly(1L);

    stuck.release.countDown();
    await().atMost(WAIT).untilAsserted(() -> assertThat(stuck.seen).isEqualTo(seqs(1, 4)));
  }

  @Test
  void aFullQueueDropsItsOldestEventsAndTheReaderGoesOn() throws Exception {
    var stuck = new StuckListener();
    QmpEventSubscription subscription = client.addEventListener(stuck);
    connect();

    emitEvents(1); // seq 1 is with the listener, seq 2 waits in its queue
    stuck.awaitEntered();
    emitEvents(10); // seq 3..22: 21 events for a queue of 16

    assertThat(subscription.dropped()).isEqualTo(5);
    assertThat(client.sessions()).isEqualTo(1);
    assertThat(client.events().lastSeq()).isEqualTo(22);

    stuck.release.countDown();
    // The oldest queued (seq 2..6) went; the listener sees the gap in seq.
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(stuck.seen)
                    .isEqualTo(
                        LongStream.concat(LongStream.of(1), LongStream.rangeClosed(7, 22))
                            .boxed()
                            .toList()));
    assertThat(subscription.dropped()).isEqualTo(5);
  }

  @Test
  void aThrowingListenerIsLoggedAndKeepsReceiving() throws Exception {
    var seen = new CopyOnWriteArrayList<Long>();
    client.addEventListener(
        event -> {
          seen.add(event.seq());
          throw new IllegalStateException("listener bug on " + event.name());
        });
    connect();

    emitEvents(3);

    await().atMost(WAIT).untilAsserted(() -> assertThat(seen).isEqualTo(seqs(1, 6)));
  }

  @Test
  void aListenerMayWaitForACommandOfTheSameClient() throws Exception {
    var statuses = new CopyOnWriteArrayList<String>();
    client.addEventListener(
        event -> {
          try {
            statuses.add(
                event.name() + " " + client.call("query-status", null).path("status").asText());
          } catch (QmpException e) {
            statuses.add(event.name() + " " + e);
          }
        });
    connect();

    emitEvents(1);

    await()
        .atMost(WAIT)
        .untilAsserted(() -> assertThat(statuses).containsExactly("STOP paused", "RESET paused"));
  }

  @Test
  void aClosedSubscriptionGetsNoMoreEventsAndItsThreadEnds() throws Exception {
    var removed = new CopyOnWriteArrayList<Long>();
    var removedThread = new CopyOnWriteArrayList<Thread>();
    var kept = new CopyOnWriteArrayList<Long>();
    QmpEventSubscription subscription =
        client.addEventListener(
            event -> {
              removedThread.addIfAbsent(Thread.currentThread());
              removed.add(event.seq());
            });
    client.addEventListener(event -> kept.add(event.seq()));
    connect();
    emitEvents(1);
    await().atMost(WAIT).untilAsserted(() -> assertThat(removed).isEqualTo(seqs(1, 2)));
    Thread deliveryThread = removedThread.getFirst();
    assertThat(client.liveThreads()).contains(deliveryThread);

    subscription.close();
    subscription.close(); // idempotent
    emitEvents(1);

    await().atMost(WAIT).untilAsserted(() -> assertThat(kept).isEqualTo(seqs(1, 4)));
    await().atMost(WAIT).until(() -> !deliveryThread.isAlive());
    assertThat(client.liveThreads()).doesNotContain(deliveryThread);
    assertThat(removed).isEqualTo(seqs(1, 2));
  }

  @Test
  void closingTheClientStopsEveryListenerThreadEvenAStuckOne() throws Exception {
    var stuck = new StuckListener();
    client.addEventListener(stuck);
    connect();
    emitEvents(1);
    stuck.awaitEntered();

    client.close();

    assertThat(client.liveThreads()).isEmpty();
    assertThat(stuck.seen).containsExactly(1L);
    assertThatThrownBy(() -> client.addEventListener(event -> {}))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
  }
}
