package io.qemuoperator.qmp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CommandDeadlinesTest {
  private static final long IDLE = Duration.ofSeconds(30).toNanos();

  private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1);
  private final ConcurrentLinkedQueue<Long> sweeps = new ConcurrentLinkedQueue<>();
  private final AtomicLong pendingDeadline = new AtomicLong(Long.MAX_VALUE);
  private final CommandDeadlines deadlines =
      new CommandDeadlines(
          timer,
          IDLE,
          now -> {
            sweeps.add(now);
            long deadline = pendingDeadline.get();
            if (deadline != Long.MAX_VALUE && now - deadline < 0) {
              return deadline;
            }
            pendingDeadline.set(Long.MAX_VALUE);
            return now + IDLE;
          });

  CommandDeadlinesTest() {
    timer.setRemoveOnCancelPolicy(true); // as the client's timer
  }

  @AfterEach
  void shutDown() {
    timer.shutdownNow();
  }

  @Test
  void deadlinesAfterThePlannedSweepScheduleNothing() {
    deadlines.start();
    assertThat(timer.getQueue()).hasSize(1);
    for (int i = 0; i < 100; i++) {
      deadlines.watch(System.nanoTime() + IDLE);
    }
    assertThat(timer.getQueue()).hasSize(1);
    assertThat(timer.getCompletedTaskCount()).isZero();
    assertThat(sweeps).isEmpty();
  }

  @Test
  void anEarlierDeadlineIsSweptOnTime() {
    deadlines.start();
    long start = System.nanoTime();
    long deadline = start + Duration.ofMillis(200).toNanos();
    pendingDeadline.set(deadline);
    deadlines.watch(deadline);

    await().atMost(Duration.ofSeconds(5)).until(() -> !sweeps.isEmpty());
    assertThat(sweeps.peek() - deadline).isNotNegative();
    assertThat(Duration.ofNanos(sweeps.peek() - start)).isLessThan(Duration.ofSeconds(2));
    // Nothing is pending any more: the next sweep is one idle period ahead.
    await().atMost(Duration.ofSeconds(5)).until(() -> timer.getQueue().size() == 1);
    assertThat(sweeps).hasSize(1);
  }

  @Test
  void stoppedDeadlinesPlanNoSweep() {
    deadlines.start();
    deadlines.stop();
    deadlines.watch(System.nanoTime());
    assertThat(timer.getQueue()).isEmpty();
  }
}
