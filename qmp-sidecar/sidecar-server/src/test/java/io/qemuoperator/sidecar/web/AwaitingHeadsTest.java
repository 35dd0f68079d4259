package io.qemuoperator.sidecar.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class AwaitingHeadsTest {
  private final AtomicLong now = new AtomicLong();
  private final List<String> closed = new ArrayList<>();
  private final AwaitingHeads<String> heads =
      new AwaitingHeads<>(Duration.ofSeconds(10), 3, now::get, closed::add);

  @Test
  void aConnectionWaitingPastTheDeadlineIsClosedHoweverSteadilyItTrickles() {
    heads.waiting("slow");
    advance(Duration.ofSeconds(5));
    heads.waiting("later");
    assertThat(heads.closeOverdue()).isZero();
    advance(Duration.ofSeconds(5)); // a trickled byte does not restart the clock: only a head does
    assertThat(heads.closeOverdue()).isOne();
    assertThat(closed).containsExactly("slow");
    assertThat(heads.count()).isOne();
  }

  @Test
  void aConnectionBeingServedIsNeverClosedAndWaitsAfreshAfterItsAnswer() {
    heads.waiting("client");
    heads.served("client");
    advance(Duration.ofMinutes(5)); // a long poll, a console session
    assertThat(heads.closeOverdue()).isZero();
    heads.waiting("client"); // kept alive after its answer
    advance(Duration.ofSeconds(9));
    assertThat(heads.closeOverdue()).isZero();
    advance(Duration.ofSeconds(1));
    assertThat(heads.closeOverdue()).isOne();
    assertThat(closed).containsExactly("client");
  }

  @Test
  void pastTheCapTheLongestWaitingIsClosedNotTheNewcomer() {
    for (String c : List.of("a", "b", "c")) {
      heads.waiting(c);
      advance(Duration.ofMillis(1));
    }
    heads.served("b"); // b sent its head: it is not among the waiting
    heads.waiting("d");
    assertThat(closed).isEmpty();
    heads.waiting("e"); // four waiting: a goes
    assertThat(closed).containsExactly("a");
    heads.waiting("f");
    assertThat(closed).containsExactly("a", "c");
    assertThat(heads.count()).isEqualTo(3);
  }

  @Test
  void aConnectionThatWaitsAgainMovesToTheEndOfTheLine() {
    heads.waiting("a");
    heads.waiting("b");
    heads.waiting("c");
    heads.served("a");
    heads.waiting("a"); // a's second request: now the newest
    heads.waiting("d");
    assertThat(closed).containsExactly("b");
  }

  private void advance(Duration by) {
    now.addAndGet(by.toNanos());
  }
}
