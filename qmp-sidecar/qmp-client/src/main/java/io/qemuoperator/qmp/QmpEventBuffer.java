package io.qemuoperator.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A bounded ring of the most recent QMP events. Sequence numbers start at 1 and grow over the
 * client's whole life, across reconnects, so a reader can resume with {@link #after(long)} and
 * learn from {@link EventPage#gap()} that it missed evicted events. Thread-safe.
 */
public final class QmpEventBuffer {

  /**
   * Events newer than the requested sequence number.
   *
   * @param events the retained events after the requested sequence number, oldest first
   * @param lastSeq the newest sequence number assigned so far (0 before the first event)
   * @param gap true when some events after the requested sequence number were already evicted
   */
  public record EventPage(List<QmpEvent> events, long lastSeq, boolean gap) {
    public EventPage {
      events = List.copyOf(events);
    }
  }

  private final int capacity;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition published = lock.newCondition();
  private final ArrayDeque<QmpEvent> ring;
  private long lastSeq;
  private long dropped;

  public QmpEventBuffer(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be at least 1");
    }
    this.capacity = capacity;
    this.ring = new ArrayDeque<>(Math.min(capacity, 4096));
  }

  /** Assigns the next sequence number, stores the event (evicting the oldest when full). */
  QmpEvent publish(String name, JsonNode data, Instant timestamp) {
    lock.lock();
    try {
      QmpEvent event = new QmpEvent(lastSeq + 1, name, data, timestamp);
      if (ring.size() == capacity) {
        ring.removeFirst();
        dropped++;
      }
      ring.addLast(event);
      lastSeq = event.seq();
      published.signalAll();
      return event;
    } finally {
      lock.unlock();
    }
  }

  public int capacity() {
    return capacity;
  }

  /** The newest sequence number assigned so far; 0 before the first event. */
  public long lastSeq() {
    lock.lock();
    try {
      return lastSeq;
    } finally {
      lock.unlock();
    }
  }

  /** How many events were evicted from the ring to make room. */
  public long dropped() {
    lock.lock();
    try {
      return dropped;
    } finally {
      lock.unlock();
    }
  }

  /** The retained events with a sequence number greater than {@code seq}. */
  public EventPage after(long seq) {
    lock.lock();
    try {
      return pageAfter(seq);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Like {@link #after(long)}, but when there is nothing newer than {@code afterSeq} waits up to
   * {@code timeout} for an event; returns an empty page when none came.
   */
  public EventPage await(long afterSeq, Duration timeout) throws InterruptedException {
    long remaining = timeout.toNanos();
    lock.lock();
    try {
      while (lastSeq <= afterSeq && remaining > 0) {
        remaining = published.awaitNanos(remaining);
      }
      return pageAfter(afterSeq);
    } finally {
      lock.unlock();
    }
  }

  private EventPage pageAfter(long seq) {
    long firstRetained = lastSeq - ring.size() + 1;
    boolean gap = seq < lastSeq && firstRetained > seq + 1;
    List<QmpEvent> events = new ArrayList<>();
    if (seq < lastSeq) {
      for (QmpEvent event : ring) {
        if (event.seq() > seq) {
          events.add(event);
        }
      }
    }
    return new EventPage(events, lastSeq, gap);
  }
}
