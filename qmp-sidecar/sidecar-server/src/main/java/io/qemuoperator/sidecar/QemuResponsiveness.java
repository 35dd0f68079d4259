package io.qemuoperator.sidecar;

import io.qemuoperator.qmp.QmpClient;
import io.qemuoperator.qmp.QmpClientState;
import io.qemuoperator.qmp.QmpCommandException;
import io.qemuoperator.qmp.QmpException;
import io.qemuoperator.qmp.QmpGreeting;
import io.qemuoperator.qmp.QmpSessionListener;
import io.qemuoperator.qmp.QmpTimeoutException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether QEMU answers QMP. {@link #probe()} (every {@link #PROBE_INTERVAL}) sends {@code
 * query-status} unless a probe is still unanswered; the time the oldest unanswered probe was sent
 * says how long QEMU has been silent. A hung QEMU (stopped with SIGSTOP, a main loop stuck on I/O)
 * keeps its socket open, so only an unanswered question shows it: {@code /readyz} answers 503 once
 * {@link #silentFor()} reaches the configured threshold, and 200 again at QEMU's next answer. A
 * probe that passes its deadline is sent again; the silence counts from the first one.
 */
final class QemuResponsiveness implements QmpSessionListener {
  static final Duration PROBE_INTERVAL = Duration.ofSeconds(1);
  private static final Duration PROBE_DEADLINE = Duration.ofSeconds(10);
  private static final long NONE = Long.MIN_VALUE;
  private static final Logger log = LoggerFactory.getLogger(QemuResponsiveness.class);

  private final QmpClient client;
  private final LongSupplier nanoTime;
  private final AtomicBoolean inFlight = new AtomicBoolean();
  private volatile long unansweredSince = NONE;

  QemuResponsiveness(QmpClient client) {
    this(client, System::nanoTime);
  }

  QemuResponsiveness(QmpClient client, LongSupplier nanoTime) {
    this.client = client;
    this.nanoTime = nanoTime;
  }

  /** Sends a probe unless one is unanswered or QMP is not negotiated; never blocks. */
  void probe() {
    if (client.state() != QmpClientState.RUNNING || !inFlight.compareAndSet(false, true)) {
      return;
    }
    long sent = nanoTime.getAsLong();
    if (unansweredSince == NONE) {
      unansweredSince = sent;
    }
    client
        .execute("query-status", null, PROBE_DEADLINE)
        .whenComplete(
            (reply, failure) -> {
              Throwable cause =
                  failure instanceof CompletionException wrapped ? wrapped.getCause() : failure;
              switch (cause) {
                case null -> answered();
                case QmpCommandException refused -> answered(); // an error is an answer too
                case QmpTimeoutException late -> {} // still silent: counted from the first probe
                default -> unansweredSince = NONE; // disconnected: readiness says so already
              }
              inFlight.set(false);
            });
  }

  private void answered() {
    long since = unansweredSince;
    unansweredSince = NONE;
    if (since != NONE) {
      Duration silent = Duration.ofNanos(nanoTime.getAsLong() - since);
      if (silent.compareTo(Duration.ofSeconds(2)) > 0) {
        log.info("QEMU answers QMP again after {} ms of silence", silent.toMillis());
      }
    }
  }

  /** How long QEMU has left the oldest unanswered probe unanswered; empty while it answers. */
  Optional<Duration> silentFor() {
    long since = unansweredSince;
    return since == NONE
        ? Optional.empty()
        : Optional.of(Duration.ofNanos(Math.max(0, nanoTime.getAsLong() - since)));
  }

  @Override
  public void connected(QmpGreeting greeting) {
    unansweredSince = NONE;
  }

  @Override
  public void disconnected(QmpException cause) {
    unansweredSince = NONE;
  }
}
