package io.qemuoperator.qmp;

import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One event listener of a {@link QmpClient}, with its own bounded queue and its own delivery
 * thread: the client's reader only puts events into the queue, so nothing the listener does (block,
 * wait for a command of the same client, throw) holds up replies or other listeners.
 *
 * <p>The listener gets the events in order. When its queue is full, the <b>oldest</b> queued event
 * is dropped to make room for the new one, so a listener that falls behind catches up with the most
 * recent state; it sees the gap as a jump in {@link QmpEvent#seq()} and can read what it missed
 * from {@link QmpClient#events()} while the ring still holds it. Drops are counted ({@link
 * #dropped()}) and logged as a WARN at most every 10 s per listener. A listener that throws is
 * logged and gets the next event.
 *
 * <p>{@link #close()}, or closing the client, stops the delivery: queued events are discarded, a
 * listener busy with an event is interrupted, and the thread ends.
 */
public final class QmpEventSubscription implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(QmpEventSubscription.class);
  private static final long WARN_EVERY_NANOS = Duration.ofSeconds(10).toNanos();

  private final Consumer<QmpEvent> listener;
  private final int capacity;
  private final BlockingQueue<QmpEvent> queue;
  private final Consumer<QmpEventSubscription> onClose;
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Thread thread;
  private long lastWarnNanos; // guarded by this
  private long droppedAtLastWarn; // guarded by this

  private QmpEventSubscription(
      Consumer<QmpEvent> listener,
      int capacity,
      ThreadFactory threads,
      Consumer<QmpEventSubscription> onClose) {
    this.listener = listener;
    this.capacity = capacity;
    this.queue = new LinkedBlockingQueue<>(capacity);
    this.onClose = onClose;
    this.thread = threads.newThread(this::deliver);
  }

  /**
   * Starts delivering to {@code listener}.
   *
   * @param capacity how many events may wait for the listener
   * @param threads makes the delivery thread
   * @param onClose called once by {@link #close()}, to stop offering events to it
   */
  static QmpEventSubscription start(
      Consumer<QmpEvent> listener,
      int capacity,
      ThreadFactory threads,
      Consumer<QmpEventSubscription> onClose) {
    var subscription = new QmpEventSubscription(listener, capacity, threads, onClose);
    subscription.thread.start();
    return subscription;
  }

  /** How many events were dropped because the listener's queue was full. */
  public long dropped() {
    return dropped.get();
  }

  /** Queues an event for the listener; never blocks: when the queue is full the oldest goes. */
  void offer(QmpEvent event) {
    if (closed.get()) {
      return;
    }
    while (!queue.offer(event)) {
      QmpEvent oldest = queue.poll();
      if (oldest != null) {
        droppedOldest(oldest, event);
      }
    }
  }

  /** Stops the delivery; idempotent. Does not wait for a busy listener to return. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    onClose.accept(this);
    queue.clear();
    thread.interrupt();
  }

  private void deliver() {
    while (!closed.get()) {
      QmpEvent event;
      try {
        event = queue.take();
      } catch (InterruptedException e) {
        continue; // closed, or a stray interrupt left by the listener: the loop decides
      }
      if (closed.get()) {
        return;
      }
      try {
        listener.accept(event);
      } catch (RuntimeException e) {
        LOG.warn("QMP event listener failed on {}", event.name(), e);
      }
    }
  }

  private void droppedOldest(QmpEvent oldest, QmpEvent newest) {
    long total = dropped.incrementAndGet();
    long since;
    synchronized (this) {
      long now = System.nanoTime();
      if (droppedAtLastWarn != 0 && now - lastWarnNanos < WARN_EVERY_NANOS) {
        return;
      }
      since = total - droppedAtLastWarn;
      lastWarnNanos = now;
      droppedAtLastWarn = total;
    }
    LOG.warn(
        "QMP event listener {} falls behind: its queue of {} events is full; dropped the oldest"
            + " ({} seq {}) for {} seq {}; {} dropped since the last warning, {} in all",
        listener,
        capacity,
        oldest.name(),
        oldest.seq(),
        newest.name(),
        newest.seq(),
        since,
        total);
  }
}
