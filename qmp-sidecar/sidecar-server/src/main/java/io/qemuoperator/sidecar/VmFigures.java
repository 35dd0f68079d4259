package io.qemuoperator.sidecar;

import com.fasterxml.jackson.databind.JsonNode;
import io.qemuoperator.qmp.QmpClient;
import io.qemuoperator.qmp.QmpCommandException;
import io.qemuoperator.qmp.dialect.QmpDialect;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * This VM's figures on {@code /metrics} (balloon, block statistics), read from QEMU in the
 * background, never on a scrape: a scrape answers the last known figures at once, even while QEMU
 * hangs, and {@code qemu_figures_age_seconds} says how old they are. {@link #refresh()} is called
 * every {@link #TICK}; it reads when {@link #REFRESH_INTERVAL} has passed since the last reading
 * QEMU answered (at the next tick while there is none yet). One reading at a time; a reading QEMU
 * leaves unanswered keeps the last figures (their age grows); a query QEMU refuses (no balloon
 * device) makes that figure unknown, and so does a lost connection.
 */
final class VmFigures {
  static final Duration TICK = Duration.ofSeconds(1);
  static final Duration REFRESH_INTERVAL = Duration.ofSeconds(5);
  private static final Duration QUERY_DEADLINE = Duration.ofSeconds(10);

  private final QmpClient client;
  private final Supplier<Optional<QmpDialect>> dialect;
  private final SidecarMetrics metrics;
  private final Executor updates;
  private final AtomicBoolean reading = new AtomicBoolean();
  private volatile long nextReading = System.nanoTime();

  /**
   * @param updates where the metrics are updated once QEMU answered (not on the QMP reader)
   */
  VmFigures(
      QmpClient client,
      Supplier<Optional<QmpDialect>> dialect,
      SidecarMetrics metrics,
      Executor updates) {
    this.client = client;
    this.dialect = dialect;
    this.metrics = metrics;
    this.updates = updates;
  }

  /** Starts a reading when one is due and none runs; never blocks. */
  void refresh() {
    if (System.nanoTime() - nextReading < 0 || !reading.compareAndSet(false, true)) {
      return;
    }
    if (dialect.get().isEmpty()) {
      metrics.updateVm(null, null);
      reading.set(false);
      return;
    }
    var balloon = client.execute("query-balloon", null, QUERY_DEADLINE);
    var blockstats = client.execute("query-blockstats", null, QUERY_DEADLINE);
    CompletableFuture.allOf(balloon, blockstats)
        .handleAsync(
            (ignored, failure) -> {
              try {
                if (answered(balloon) && answered(blockstats)) {
                  metrics.updateVm(valueOrNull(balloon), valueOrNull(blockstats));
                  nextReading = System.nanoTime() + REFRESH_INTERVAL.toNanos();
                }
              } finally {
                reading.set(false);
              }
              return null;
            },
            updates);
  }

  /** QEMU answered (a value, or its error): the reading is current. */
  private static boolean answered(CompletableFuture<JsonNode> reply) {
    if (!reply.isCompletedExceptionally()) {
      return true;
    }
    Throwable cause = reply.exceptionNow();
    return cause instanceof QmpCommandException
        || (cause instanceof CompletionException wrapped
            && wrapped.getCause() instanceof QmpCommandException);
  }

  private static JsonNode valueOrNull(CompletableFuture<JsonNode> reply) {
    return reply.isCompletedExceptionally() ? null : reply.join();
  }
}
