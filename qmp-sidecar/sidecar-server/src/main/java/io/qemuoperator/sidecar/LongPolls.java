package io.qemuoperator.sidecar;

import io.qemuoperator.qmp.QmpEventBuffer;
import java.time.Duration;
import java.util.LinkedHashSet;

/**
 * The event long polls waiting now ({@code GET /v1/events?wait=S}), at most {@code max} at once: a
 * new one beyond that answers the one that has waited longest at once, with what there is (an empty
 * page: its client polls again). The server cannot see a client that went away while its poll waits
 * (nothing is read from the connection then), so an abandoned poll would hold its connection for
 * the whole wait; under the cap, the abandoned ones are the eldest and go first.
 */
final class LongPolls {
  /** How often a waiting poll checks whether it was released. */
  static final Duration SLICE = Duration.ofMillis(500);

  private final int max;
  private final LinkedHashSet<Poll> waiting = new LinkedHashSet<>();

  LongPolls(int max) {
    if (max < 1) {
      throw new IllegalArgumentException("max must be >= 1");
    }
    this.max = max;
  }

  /**
   * The events after {@code after}, waiting up to {@code wait} for the first one, or less when
   * newer polls release this one.
   */
  QmpEventBuffer.EventPage await(QmpEventBuffer buffer, long after, Duration wait)
      throws InterruptedException {
    var poll = new Poll();
    open(poll);
    try {
      long deadline = System.nanoTime() + wait.toNanos();
      QmpEventBuffer.EventPage page = buffer.after(after);
      while (page.events().isEmpty() && !page.gap() && !poll.released) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          break;
        }
        page = buffer.await(after, Duration.ofNanos(Math.min(left, SLICE.toNanos())));
      }
      return page;
    } finally {
      close(poll);
    }
  }

  /** How many polls wait now. */
  int count() {
    synchronized (waiting) {
      return waiting.size();
    }
  }

  private void open(Poll poll) {
    synchronized (waiting) {
      waiting.add(poll);
      var eldest = waiting.iterator();
      while (waiting.size() > max) {
        eldest.next().released = true;
        eldest.remove();
      }
    }
  }

  private void close(Poll poll) {
    synchronized (waiting) {
      waiting.remove(poll);
    }
  }

  private static final class Poll {
    private volatile boolean released;
  }
}
