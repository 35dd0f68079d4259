package io.qemuoperator.operator;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;

/**
 * The operator's own metrics beside JOSDK's: QMP actions sent to VMs by type and result, and the
 * latency of calls to sidecars. Tags are low-cardinality (no VM names; per-VM figures are on each
 * sidecar's own {@code /metrics}).
 */
public final class OperatorMetrics {
  private final MeterRegistry registry;

  public OperatorMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /**
   * One QMP action (a seed command) sent through a sidecar; {@code result} ok or the error class.
   */
  public void action(String command, String result) {
    registry.counter("qemu.operator.actions", "command", command, "result", result).increment();
  }

  /** One call to a sidecar ({@code state}, {@code command}, {@code events}). */
  public void sidecarCall(String call, long nanos, boolean ok) {
    Timer.builder("qemu.operator.sidecar.call")
        .description("calls from the operator to VM sidecars")
        .tags("call", call, "result", ok ? "ok" : "error")
        .register(registry)
        .record(nanos, TimeUnit.NANOSECONDS);
  }
}
