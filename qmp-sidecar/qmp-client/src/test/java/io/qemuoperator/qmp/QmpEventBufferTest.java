package io.qemuoperator.qmp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class QmpEventBufferTest {

  private static void publish(QmpEventBuffer buffer, String name) {
    buffer.publish(name, JsonNodeFactory.instance.objectNode(), Instant.EPOCH);
  }

  @Test
  void sequenceStartsAtOneAndPagesReturnOnlyNewerEvents() {
    var buffer = new QmpEventBuffer(4);
    assertThat(buffer.lastSeq()).isZero();
    assertThat(buffer.after(0).events()).isEmpty();
    publish(buffer, "A");
    publish(buffer, "B");
    publish(buffer, "C");

    var page = buffer.after(1);
    assertThat(page.events()).extracting(QmpEvent::seq).containsExactly(2L, 3L);
    assertThat(page.events()).extracting(QmpEvent::name).containsExactly("B", "C");
    assertThat(page.lastSeq()).isEqualTo(3);
    assertThat(page.gap()).isFalse();
    assertThat(buffer.after(3).events()).isEmpty();
  }

  @Test
  void evictsOldestAtCapacityCountsDropsAndFlagsGap() {
    var buffer = new QmpEventBuffer(3);
    for (int i = 1; i <= 5; i++) {
      publish(buffer, "E" + i);
    }
    assertThat(buffer.dropped()).isEqualTo(2);
    assertThat(buffer.lastSeq()).isEqualTo(5);

    var fromStart = buffer.after(0);
    assertThat(fromStart.events()).extracting(QmpEvent::seq).containsExactly(3L, 4L, 5L);
    assertThat(fromStart.gap()).isTrue();
    assertThat(buffer.after(1).gap()).isTrue();
    // Event 3 is the oldest retained: a reader that saw 2 missed nothing.
    assertThat(buffer.after(2).gap()).isFalse();
    assertThat(buffer.after(5).gap()).isFalse();
  }

  @Test
  void awaitReturnsAtOnceWhenNewerEventsExist() throws Exception {
    var buffer = new QmpEventBuffer(8);
    publish(buffer, "A");
    long start = System.nanoTime();
    var page = buffer.await(0, Duration.ofSeconds(10));
    assertThat(page.events()).hasSize(1);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
  }

  @Test
  void awaitWakesOnPublish() throws Exception {
    var buffer = new QmpEventBuffer(8);
    var waiting =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return buffer.await(0, Duration.ofSeconds(10));
              } catch (InterruptedException e) {
                throw new IllegalStateException(e);
              }
            });
    // The waiter must still be waiting before anything is published.
    assertThat(waiting).isNotDone();
    publish(buffer, "RESUME");
    var page = waiting.get(5, TimeUnit.SECONDS);
    assertThat(page.events()).extracting(QmpEvent::name).containsExactly("RESUME");
  }

  @Test
  void awaitTimesOutWithAnEmptyPage() throws Exception {
    var buffer = new QmpEventBuffer(8);
    publish(buffer, "A");
    long start = System.nanoTime();
    var page = buffer.await(1, Duration.ofMillis(200));
    Duration waited = Duration.ofNanos(System.nanoTime() - start);
    assertThat(page.events()).isEmpty();
    assertThat(page.lastSeq()).isEqualTo(1);
    assertThat(waited).isGreaterThanOrEqualTo(Duration.ofMillis(190));
    assertThat(waited).isLessThan(Duration.ofSeconds(5));
  }
}
