package io.qemuoperator.operator;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The operator's own metrics beside JOSDK's: QMP actions sent to VMs by type and result, the
 * latency of calls to sidecars, and each QemuVM's Ready condition. Only the last has VM names (one
 * series per QemuVM, as kube-state-metrics has per object; labels {@code vm_namespace} and {@code
 * vm}, which a scrape's own {@code namespace} label does not clash with); the other per-VM figures
 * are on each sidecar's own {@code /metrics}.
 */
public final class OperatorMetrics {
  private final MeterRegistry registry;
  private final Map<VmKey, AtomicInteger> ready = new ConcurrentHashMap<>();

  private record VmKey(String namespace, String name) {}

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

  /**
   * The QemuVM's Ready condition as its status (being written) says: {@code
   * qemu_operator_vm_ready{vm_namespace,vm}} is 1 when True, 0 otherwise.
   */
  public void vmReady(String namespace, String name, boolean isReady) {
    ready
        .computeIfAbsent(
            new VmKey(namespace, name),
            key -> {
              var value = new AtomicInteger();
              Gauge.builder("qemu.operator.vm.ready", value, AtomicInteger::get)
                  .description("1 while the QemuVM's Ready condition is True, else 0")
                  .tags("vm_namespace", key.namespace(), "vm", key.name())
                  .register(registry);
              return value;
            })
        .set(isReady ? 1 : 0);
  }

  /** The QemuVM is gone: its series ends. */
  public void vmGone(String namespace, String name) {
    if (ready.remove(new VmKey(namespace, name)) != null) {
      var gauge =
          registry
              .find("qemu.operator.vm.ready")
              .tags("vm_namespace", namespace, "vm", name)
              .gauge();
      if (gauge != null) {
        registry.remove(gauge);
      }
    }
  }
}
