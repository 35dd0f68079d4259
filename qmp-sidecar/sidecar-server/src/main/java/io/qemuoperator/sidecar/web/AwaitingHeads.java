package io.qemuoperator.sidecar.web;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;

/**
 * The HTTP connections that wait for a request head: new ones, and kept-alive ones between
 * requests. Such a connection costs the sidecar memory and gives nothing, so it may wait at most
 * {@code deadline} (a client trickling a head one byte at a time is closed when the deadline
 * passes, however steadily it trickles), and at most {@code max} wait at once: a new connection
 * beyond that closes the one that has waited longest. A connection whose request is being served (a
 * command, a long poll, the console) is not waiting, and is never closed here: no number of idle or
 * unauthenticated clients holds a place a probe or a command needs.
 */
final class AwaitingHeads<C> {
  private final Duration deadline;
  private final int max;
  private final LongSupplier nanoClock;
  private final Consumer<C> close;
  // waiting since (nanoClock), eldest first
  private final LinkedHashMap<C, Long> waiting = new LinkedHashMap<>();

  /**
   * @param close closes a connection that waited too long, or was evicted
   */
  AwaitingHeads(Duration deadline, int max, LongSupplier nanoClock, Consumer<C> close) {
    if (max < 1) {
      throw new IllegalArgumentException("max must be >= 1");
    }
    this.deadline = deadline;
    this.max = max;
    this.nanoClock = nanoClock;
    this.close = close;
  }

  /** {@code connection} waits for a request head from now on. */
  void waiting(C connection) {
    List<C> evicted = new ArrayList<>();
    synchronized (waiting) {
      waiting.remove(connection);
      waiting.put(connection, nanoClock.getAsLong());
      var eldest = waiting.entrySet().iterator();
      while (waiting.size() > max && eldest.hasNext()) {
        C oldest = eldest.next().getKey();
        if (oldest != connection) {
          eldest.remove();
          evicted.add(oldest);
        }
      }
    }
    evicted.forEach(close);
  }

  /** {@code connection} has a request head (or is gone): it waits no more. */
  void served(C connection) {
    synchronized (waiting) {
      waiting.remove(connection);
    }
  }

  /** Closes the connections that waited past the deadline; returns how many. */
  int closeOverdue() {
    long now = nanoClock.getAsLong();
    List<C> overdue = new ArrayList<>();
    synchronized (waiting) {
      var eldest = waiting.entrySet().iterator();
      while (eldest.hasNext()) {
        Map.Entry<C, Long> entry = eldest.next();
        if (now - entry.getValue() < deadline.toNanos()) {
          break;
        }
        eldest.remove();
        overdue.add(entry.getKey());
      }
    }
    overdue.forEach(close);
    return overdue.size();
  }

  /** How many connections wait now. */
  int count() {
    synchronized (waiting) {
      return waiting.size();
    }
  }

  /**
   * Closes a Jetty connection, unless it was upgraded (the console's WebSocket): then it is the new
   * protocol's.
   */
  static void closeUnlessUpgraded(Connection connection) {
    EndPoint endPoint = connection.getEndPoint();
    if (endPoint.getConnection() == connection) {
      endPoint.close();
    }
  }
}
