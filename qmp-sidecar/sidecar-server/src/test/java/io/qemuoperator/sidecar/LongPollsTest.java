package io.qemuoperator.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import io.qemuoperator.qmp.QmpEventBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

class LongPollsTest {
  private final QmpEventBuffer buffer = new QmpEventBuffer(16);
  private final LongPolls polls = new LongPolls(2);

  @Test
  void pastTheCapTheEldestPollIsAnsweredAtOnceWithAnEmptyPage() throws Exception {
    List<CompletableFuture<QmpEventBuffer.EventPage>> waiting = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      waiting.add(poll(Duration.ofSeconds(5)));
      int open = i + 1;
      Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> polls.count() == open);
    }
    long started = System.nanoTime();
    var third = poll(Duration.ofSeconds(5));
    var first = waiting.get(0).get(5, TimeUnit.SECONDS);
    assertThat(first.events()).isEmpty();
    assertThat(Duration.ofNanos(System.nanoTime() - started))
        .as("released within a slice or two")
        .isLessThan(LongPolls.SLICE.multipliedBy(4));
    assertThat(waiting.get(1)).isNotDone();
    assertThat(third).isNotDone();
    assertThat(polls.count()).isEqualTo(2);
    // the others wait out their time
    assertThat(waiting.get(1).get(10, TimeUnit.SECONDS).events()).isEmpty();
    assertThat(third.get(10, TimeUnit.SECONDS).events()).isEmpty();
    assertThat(polls.count()).isZero();
  }

  @Test
  void aPollEndsAtItsWaitWhenNothingHappens() throws Exception {
    long started = System.nanoTime();
    var page = polls.await(buffer, 0, Duration.ofMillis(700));
    assertThat(page.events()).isEmpty();
    assertThat(Duration.ofNanos(System.nanoTime() - started))
        .isGreaterThanOrEqualTo(Duration.ofMillis(700));
    assertThat(polls.count()).isZero();
  }

  private CompletableFuture<QmpEventBuffer.EventPage> poll(Duration wait) {
    var answer = new CompletableFuture<QmpEventBuffer.EventPage>();
    Thread.ofVirtual()
        .start(
            () -> {
              try {
                answer.complete(polls.await(buffer, 0, wait));
              } catch (InterruptedException e) {
                answer.completeExceptionally(e);
              }
            });
    return answer;
  }
}
