package io.qemuoperator.operator;

import io.qemuoperator.operator.pod.KvmAccess;
import java.time.Duration;
import java.util.Map;

/**
 * How the operator builds VM pods and how often it looks at VMs on its own; from environment
 * variables (the Helm chart sets them), with defaults.
 *
 * @param qemuImage the image of the {@code qemu} container (QEMU + qemu-img + a POSIX shell)
 * @param sidecarImage the image of the {@code qmp-sidecar} container
 * @param sidecarPort the sidecar's HTTP port in every VM pod
 * @param memoryOverheadBytes added to guest RAM in the pod's memory request: QEMU's own memory
 *     (device models, TCG translation cache, I/O buffers) and the sidecar's
 * @param resyncInterval how often a VM is reconciled with no event at all (the safety net)
 * @param followQmpEvents reconcile at once on each VM's QMP events (true); false leaves only the
 *     periodic resync, for measurements and debugging
 * @param kvm the accelerator of VM pods and how they get {@code /dev/kvm}
 */
public record OperatorConfig(
    String qemuImage,
    String sidecarImage,
    int sidecarPort,
    long memoryOverheadBytes,
    Duration resyncInterval,
    boolean followQmpEvents,
    KvmAccess kvm) {

  /** {@link KvmAccess#defaults()}. */
  public OperatorConfig(
      String qemuImage,
      String sidecarImage,
      int sidecarPort,
      long memoryOverheadBytes,
      Duration resyncInterval,
      boolean followQmpEvents) {
    this(
        qemuImage,
        sidecarImage,
        sidecarPort,
        memoryOverheadBytes,
        resyncInterval,
        followQmpEvents,
        KvmAccess.defaults());
  }

  /** Following QMP events. */
  public OperatorConfig(
      String qemuImage,
      String sidecarImage,
      int sidecarPort,
      long memoryOverheadBytes,
      Duration resyncInterval) {
    this(qemuImage, sidecarImage, sidecarPort, memoryOverheadBytes, resyncInterval, true);
  }

  /** QEMU's own memory (~64 MiB for this device set under TCG) plus the sidecar's (~64 MiB). */
  public static final long DEFAULT_MEMORY_OVERHEAD = 128L << 20;

  public static OperatorConfig fromEnvironment(Map<String, String> env) {
    return new OperatorConfig(
        env.getOrDefault("QEMU_IMAGE", "ghcr.io/qemu-operator/qemu:7.2"),
        env.getOrDefault("SIDECAR_IMAGE", "ghcr.io/qemu-operator/qmp-sidecar:0.1.0"),
        Integer.parseInt(env.getOrDefault("SIDECAR_PORT", "9443")),
        Long.parseLong(env.getOrDefault("MEMORY_OVERHEAD_BYTES", "" + DEFAULT_MEMORY_OVERHEAD)),
        Duration.parse(env.getOrDefault("RESYNC_INTERVAL", "PT5M")),
        Boolean.parseBoolean(env.getOrDefault("QMP_EVENTS", "true")),
        KvmAccess.fromEnvironment(env));
  }

  public static OperatorConfig defaults() {
    return fromEnvironment(Map.of());
  }
}
