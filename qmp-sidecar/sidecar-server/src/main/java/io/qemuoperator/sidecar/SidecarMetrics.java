package io.qemuoperator.sidecar;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.qemuoperator.qmp.QmpClient;
import io.qemuoperator.qmp.QmpClientState;
import io.qemuoperator.qmp.QmpEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The sidecar's {@code /metrics}: QMP round trips per command, errors by class, events by type, the
 * connection, how long QEMU has been silent, and this VM's balloon and block figures (read from
 * QEMU in the background by {@link VmFigures}; a scrape never waits for QEMU).
 */
final class SidecarMetrics {
  private static final long NEVER = Long.MIN_VALUE;
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final AtomicLong balloonActual = new AtomicLong(-1);
  private final List<MultiGauge> blockGauges = new ArrayList<>();
  private final AtomicLong figuresReadAt = new AtomicLong(NEVER);

  /**
   * The command timers, found once per command and result: building the meter id and looking it up
   * in the registry on every command cost ~5 µs of CPU (JFR, QMP path benchmark).
   */
  private final Map<TimerKey, Timer> commandTimers = new ConcurrentHashMap<>();

  private record TimerKey(String command, boolean ok) {}

  SidecarMetrics() {
    Gauge.builder("qemu.balloon.actual", balloonActual, AtomicLong::get)
        .description("guest RAM as the balloon reports it (query-balloon actual); -1 when unknown")
        .baseUnit("bytes")
        .register(registry);
    Gauge.builder("qemu.figures.age", figuresReadAt, SidecarMetrics::secondsSince)
        .description(
            "time since QEMU last answered the balloon and block queries behind these figures;"
                + " NaN before the first answer")
        .baseUnit("seconds")
        .register(registry);
    for (String[] figure :
        new String[][] {
          {"qemu.block.read", "bytes", "bytes read from the block device"},
          {"qemu.block.written", "bytes", "bytes written to the block device"},
          {"qemu.block.read.operations", null, "read operations on the block device"},
          {"qemu.block.write.operations", null, "write operations on the block device"},
          {"qemu.block.flush.operations", null, "flush operations on the block device"},
        }) {
      blockGauges.add(
          MultiGauge.builder(figure[0])
              .baseUnit(figure[1])
              .description(figure[2] + " (query-blockstats)")
              .register(registry));
    }
  }

  /** Connection gauges and the event counter, fed by the client itself. */
  void watch(QmpClient client) {
    Gauge.builder("qmp.connected", client, c -> c.state() == QmpClientState.RUNNING ? 1 : 0)
        .description("1 while the QMP session is negotiated")
        .register(registry);
    FunctionCounter.builder("qmp.sessions", client, QmpClient::sessions)
        .description("QMP sessions negotiated since the sidecar started")
        .register(registry);
    FunctionCounter.builder("qmp.events.dropped", client, c -> c.events().dropped())
        .description("events evicted from the sidecar's buffer before a caller read them")
        .register(registry);
    client.addEventListener(this::recordEvent);
  }

  /** The age of QEMU's silence, as {@code /readyz} judges it. */
  void watch(QemuResponsiveness responsiveness) {
    Gauge.builder(
            "qmp.silence",
            responsiveness,
            r -> r.silentFor().map(d -> d.toNanos() / 1e9).orElse(0.0))
        .description(
            "how long QEMU has left the sidecar's QMP probe unanswered (0 while it answers)")
        .baseUnit("seconds")
        .register(registry);
  }

  private static double secondsSince(AtomicLong nanos) {
    long at = nanos.get();
    return at == NEVER ? Double.NaN : (System.nanoTime() - at) / 1e9;
  }

  void recordCommand(String command, long nanos, String errorClass) {
    commandTimers
        .computeIfAbsent(new TimerKey(command, errorClass == null), this::commandTimer)
        .record(nanos, TimeUnit.NANOSECONDS);
    if (errorClass != null) {
      registry.counter("qmp.errors", "class", errorClass).increment();
    }
  }

  private Timer commandTimer(TimerKey key) {
    return Timer.builder("qmp.command")
        .description("QMP round trip per command, as sent to QEMU")
        .tags("command", key.command(), "result", key.ok() ? "ok" : "error")
        .publishPercentileHistogram(false)
        .register(registry);
  }

  private void recordEvent(QmpEvent event) {
    registry.counter("qmp.events", "event", event.name()).increment();
  }

  /**
   * Updates the VM figures from fresh {@code query-balloon} / {@code query-blockstats} replies
   * (null: unknown, e.g. no balloon device or QMP not connected).
   */
  void updateVm(JsonNode balloon, JsonNode blockstats) {
    balloonActual.set(balloon == null ? -1 : balloon.path("actual").asLong(-1));
    if (blockstats == null) {
      return;
    }
    figuresReadAt.set(System.nanoTime());
    String[] members = {
      "rd_bytes", "wr_bytes", "rd_operations", "wr_operations", "flush_operations"
    };
    for (int i = 0; i < members.length; i++) {
      String member = members[i];
      var rows = new ArrayList<MultiGauge.Row<?>>();
      for (JsonNode device : blockstats) {
        String name = device.path("device").asText("");
        if (name.isEmpty()) {
          name = device.path("node-name").asText("unnamed");
        }
        rows.add(
            MultiGauge.Row.of(
                Tags.of("device", name), device.path("stats").path(member).asDouble()));
      }
      blockGauges.get(i).register(rows, true);
    }
  }

  String scrape() {
    return registry.scrape();
  }
}
