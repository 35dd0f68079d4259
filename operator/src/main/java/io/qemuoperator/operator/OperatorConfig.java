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
 * @param cpuAllocationRatio vCPUs per requested CPU of a VM pod's qemu container (KubeVirt's {@code
 *     cpuAllocationRatio}): 10 requests 100m per vCPU, so VMs that mostly idle share a node's
 *     cores; 1 reserves a whole core per vCPU. No CPU limit either way (QEMU's vCPU threads may use
 *     what the node has free)
 */
public record OperatorConfig(
    String qemuImage,
    String sidecarImage,
    int sidecarPort,
    long memoryOverheadBytes,
    Duration resyncInterval,
    boolean followQmpEvents,
    KvmAccess kvm,
    int cpuAllocationRatio) {

  /** KubeVirt's default: a vCPU requests a tenth of a core. */
  public static final int DEFAULT_CPU_ALLOCATION_RATIO = 10;

  public OperatorConfig {
    if (cpuAllocationRatio < 1) {
      throw new IllegalArgumentException(
          "CPU_ALLOCATION_RATIO must be a whole number >= 1, got " + cpuAllocationRatio);
    }
  }

  /** {@link KvmAccess#defaults()}, {@link #DEFAULT_CPU_ALLOCATION_RATIO}. */
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
        KvmAccess.defaults(),
        DEFAULT_CPU_ALLOCATION_RATIO);
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
        KvmAccess.fromEnvironment(env),
        cpuAllocationRatio(
            env.getOrDefault("CPU_ALLOCATION_RATIO", "" + DEFAULT_CPU_ALLOCATION_RATIO)));
  }

  private static int cpuAllocationRatio(String text) {
    try {
      return Integer.parseInt(text.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "CPU_ALLOCATION_RATIO must be a whole number >= 1, got " + text, e);
    }
  }

  /**
   * The CPU a VM pod's qemu container requests for {@code cpus} vCPUs, in millicores: {@code cpus /
   * cpuAllocationRatio} cores, rounded up, at least 1m.
   */
  public long cpuRequestMillis(int cpus) {
    return Math.max(1, (cpus * 1000L + cpuAllocationRatio - 1) / cpuAllocationRatio);
  }

  public static OperatorConfig defaults() {
    return fromEnvironment(Map.of());
  }
}
