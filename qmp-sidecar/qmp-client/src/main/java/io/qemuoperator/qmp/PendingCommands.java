package io.qemuoperator.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The commands of one session that wait for their replies: it hands out the command ids, keeps the
 * pending table, enforces the deadlines (one {@link CommandDeadlines} sweep), remembers the ids of
 * timed-out commands so that their late replies are logged and dropped, and fails every pending
 * command at once when the session ends. Thread-safe.
 */
final class PendingCommands {
  private static final Logger LOG = LoggerFactory.getLogger(PendingCommands.class);
  private static final int REMEMBERED_TIMEOUTS = 1024;

  /** A registered command: the id to send it with and the future its reply completes. */
  record Ticket(long id, String command, CompletableFuture<JsonNode> future) {}

  /**
   * A command waiting for its reply; {@code timeout} is null for {@code qmp_capabilities}, whose
   * deadline is the negotiation's.
   */
  private record Pending(
      String command, CompletableFuture<JsonNode> future, Duration timeout, long deadlineNanos) {}

  private final Path socket;
  private final long idleSweepNanos;
  private final AtomicLong ids = new AtomicLong();
  private final Map<Long, Pending> pending = new ConcurrentHashMap<>();
  private final Set<Long> timedOut =
      Collections.synchronizedSet(
          Collections.newSetFromMap(
              new LinkedHashMap<>() {
                @Override
                protected boolean removeEldestEntry(Map.Entry<Long, Boolean> eldest) {
                  return size() > REMEMBERED_TIMEOUTS;
                }
              }));
  private final CommandDeadlines deadlines;
  private volatile QmpException endedBy;

  /**
   * @param socket named in failure messages
   * @param idleSweep how far ahead the deadline sweep looks when no command is pending
   */
  PendingCommands(Path socket, ScheduledExecutorService timer, Duration idleSweep) {
    this.socket = socket;
    this.idleSweepNanos = idleSweep.toNanos();
    this.deadlines = new CommandDeadlines(timer, idleSweepNanos, this::expireOverdue);
  }

  /** Starts enforcing deadlines (once the session's reader runs). */
  void start() {
    deadlines.start();
  }

  /**
   * Registers a command under a new id. When the commands already ended, the ticket's future has
   * already failed with the reason and nothing must be sent.
   *
   * @param timeout the command's deadline from now; null for none (negotiation has its own)
   */
  Ticket register(String command, Duration timeout) {
    long id = ids.incrementAndGet();
    var future = new CompletableFuture<JsonNode>();
    long deadline = timeout == null ? 0 : System.nanoTime() + timeout.toNanos();
    pending.put(id, new Pending(command, future, timeout, deadline));
    QmpException cause = endedBy;
    if (cause != null) {
      // failAll() may already have drained the table: fail the command here, once.
      if (pending.remove(id) != null) {
        future.completeExceptionally(failureOf(command, cause));
      }
      return new Ticket(id, command, future);
    }
    if (timeout != null) {
      deadlines.watch(deadline);
    }
    return new Ticket(id, command, future);
  }

  /** The command could not be written: it fails with the write error, or how the session ended. */
  void sendFailed(Ticket ticket, Exception writeError) {
    if (pending.remove(ticket.id()) == null) {
      return; // already failed by failAll or its deadline
    }
    QmpException cause = endedBy;
    ticket
        .future()
        .completeExceptionally(
            cause != null
                ? failureOf(ticket.command(), cause)
                : new QmpDisconnectedException(
                    "sending '" + ticket.command() + "' to " + socket + " failed: " + writeError,
                    writeError));
  }

  /**
   * Completes the command with this id from QEMU's reply ({@code return} or {@code error}). A reply
   * to a command that timed out is logged and dropped, as is one with an id never sent.
   */
  void answer(JsonNode id, JsonNode reply) {
    Pending entry = id.isIntegralNumber() ? pending.remove(id.asLong()) : null;
    if (entry == null) {
      if (id.isIntegralNumber() && timedOut.remove(id.asLong())) {
        LOG.info("Dropped the late reply to timed-out command id {} on {}", id, socket);
      } else {
        LOG.warn("Dropped a QMP reply with unknown id {} on {}", id, socket);
      }
      return;
    }
    JsonNode error = reply.get("error");
    if (error != null) {
      entry
          .future()
          .completeExceptionally(
              new QmpCommandException(
                  error.path("class").asText(""), error.path("desc").asText("")));
    } else {
      entry.future().complete(reply.get("return"));
    }
  }

  /**
   * Ends the commands: every command registered from now on fails at once with {@code cause}
   * (wrapped per command), and no deadline is enforced any more. Only the first call counts; call
   * {@link #failAll()} next.
   */
  void end(QmpException cause) {
    synchronized (this) {
      if (endedBy != null) {
        return;
      }
      endedBy = cause;
    }
    deadlines.stop();
  }

  /** Fails every command still pending, at once, with the cause given to {@link #end}. */
  void failAll() {
    QmpException cause = endedBy;
    if (cause == null) {
      throw new IllegalStateException("failAll() before end()");
    }
    for (Long id : pending.keySet()) {
      Pending entry = pending.remove(id);
      if (entry != null) {
        entry.future().completeExceptionally(failureOf(entry.command(), cause));
      }
    }
  }

  /** How many commands wait for a reply. */
  int size() {
    return pending.size();
  }

  /**
   * Fails the commands whose deadline passed by {@code now}; the earliest deadline left, or {@code
   * now} plus the idle sweep when none is.
   */
  private long expireOverdue(long now) {
    long earliest = now + idleSweepNanos;
    for (Map.Entry<Long, Pending> e : pending.entrySet()) {
      Pending entry = e.getValue();
      if (entry.timeout() == null) {
        continue;
      }
      if (now - entry.deadlineNanos() < 0) {
        if (entry.deadlineNanos() - earliest < 0) {
          earliest = entry.deadlineNanos();
        }
      } else if (pending.remove(e.getKey(), entry)) {
        timedOut.add(e.getKey());
        entry
            .future()
            .completeExceptionally(
                new QmpTimeoutException(
                    "'"
                        + entry.command()
                        + "' got no reply within "
                        + entry.timeout()
                        + " on "
                        + socket));
      }
    }
    return earliest;
  }

  private static QmpException failureOf(String command, QmpException cause) {
    String message = "'" + command + "' failed: " + cause.getMessage();
    return cause instanceof QmpProtocolException
        ? new QmpProtocolException(message, cause)
        : new QmpDisconnectedException(message, cause);
  }
}
