package io.qemuoperator.operator.sidecar;

import com.fasterxml.jackson.databind.JsonNode;
import io.qemuoperator.operator.plan.ObservedVm;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.OptionalLong;

/**
 * One {@code /v1/state} snapshot, typed: what the operator plans from and writes into status.
 *
 * @param instance the sidecar's instance id
 * @param session the sidecar's QMP session number (grows when QEMU restarted)
 * @param eventSeq the newest event sequence number when the snapshot was read
 * @param baseMemory guest RAM QEMU was started with ({@code query-memory-size-summary}), where this
 *     QEMU reports it
 */
public record VmSnapshot(
    String instance,
    long session,
    long eventSeq,
    String qemuVersion,
    boolean kvmEnabled,
    boolean kvmPresent,
    String runState,
    OptionalLong balloonActual,
    OptionalLong baseMemory,
    List<DiskState> disks,
    List<CpuState> cpus,
    String migrationStatus,
    OptionalLong maxBandwidth,
    OptionalLong downtimeLimitMillis) {

  public VmSnapshot {
    disks = List.copyOf(disks);
    cpus = List.copyOf(cpus);
  }

  /**
   * A block device with a medium: its drive id, virtual size (modern QEMU's {@code
   * inserted.image.virtual-size}; -1 where QEMU does not report it), format, read-only, I/O status.
   */
  public record DiskState(
      String device, long sizeBytes, String format, boolean readOnly, String ioStatus) {}

  /** A vCPU: its index and the host thread that runs it. */
  public record CpuState(long index, long threadId) {}

  public static VmSnapshot from(JsonNode state) {
    var disks = new ArrayList<DiskState>();
    for (JsonNode block : state.path("block")) {
      JsonNode inserted = block.path("inserted");
      if (inserted.isMissingNode()) {
        continue;
      }
      disks.add(
          new DiskState(
              block.path("device").asText(),
              inserted.path("image").path("virtual-size").asLong(-1),
              inserted.path("drv").asText(),
              inserted.path("ro").asBoolean(),
              block.path("io-status").asText("ok")));
    }
    var cpus = new ArrayList<CpuState>();
    for (JsonNode cpu : state.path("cpus")) {
      cpus.add(new CpuState(cpu.path("CPU").asLong(), cpu.path("thread_id").asLong()));
    }
    JsonNode parameters = state.path("migrateParameters");
    return new VmSnapshot(
        state.path("instance").asText(),
        state.path("session").asLong(),
        state.path("eventSeq").asLong(),
        state.path("qemu").path("version").asText(),
        state.path("kvm").path("enabled").asBoolean(),
        state.path("kvm").path("present").asBoolean(),
        state.path("status").path("status").asText(),
        optionalLong(state.path("balloon").path("actual")),
        optionalLong(state.path("memorySize").path("base-memory")),
        disks,
        cpus,
        state.path("migrate").path("status").asText("none"),
        optionalLong(parameters.path("max-bandwidth")),
        optionalLong(parameters.path("downtime-limit")));
  }

  private static OptionalLong optionalLong(JsonNode node) {
    return node.isIntegralNumber() ? OptionalLong.of(node.asLong()) : OptionalLong.empty();
  }

  /** This snapshot with QEMU in {@code runState} (after a {@code stop} or {@code cont}). */
  public VmSnapshot withRunState(String runState) {
    return new VmSnapshot(
        instance,
        session,
        eventSeq,
        qemuVersion,
        kvmEnabled,
        kvmPresent,
        runState,
        balloonActual,
        baseMemory,
        disks,
        cpus,
        migrationStatus,
        maxBandwidth,
        downtimeLimitMillis);
  }

  /** What the planner decides on (without the pod and claims, which the caller adds). */
  public ObservedVm observed() {
    var sizes = new LinkedHashMap<String, Long>();
    disks.stream()
        .filter(disk -> disk.sizeBytes() >= 0)
        .forEach(disk -> sizes.put(disk.device(), disk.sizeBytes()));
    return new ObservedVm(
        runState,
        balloonActual,
        sizes,
        maxBandwidth,
        downtimeLimitMillis,
        java.util.Optional.empty(),
        java.util.Map.of(),
        qemuIdentity());
  }

  /**
   * Which QEMU process this is: the host thread ids of its vCPUs, which are its own (a restarted
   * QEMU has others; a restarted sidecar finds the same QEMU).
   */
  public String qemuIdentity() {
    return cpus.stream()
        .map(cpu -> Long.toString(cpu.threadId()))
        .collect(java.util.stream.Collectors.joining(","));
  }
}
