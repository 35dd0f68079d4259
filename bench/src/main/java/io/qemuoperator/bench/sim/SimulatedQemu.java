package io.qemuoperator.bench.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.qemuoperator.qmp.types.BalloonInfo;
import io.qemuoperator.qmp.types.BlockDeviceInfo;
import io.qemuoperator.qmp.types.BlockDeviceIoStatus;
import io.qemuoperator.qmp.types.CpuInfo;
import io.qemuoperator.qmp.types.KvmInfo;
import io.qemuoperator.qmp.types.MigrationInfo;
import io.qemuoperator.sidecar.api.BlockDevice;
import io.qemuoperator.sidecar.api.EventPage;
import io.qemuoperator.sidecar.api.ImageInfo;
import io.qemuoperator.sidecar.api.InsertedMedium;
import io.qemuoperator.sidecar.api.MigrationParameters;
import io.qemuoperator.sidecar.api.QemuVersion;
import io.qemuoperator.sidecar.api.RunStatus;
import io.qemuoperator.sidecar.api.SequencedEvent;
import io.qemuoperator.sidecar.api.VmState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * SIMULATED: what one VM's sidecar would report, for control-plane benchmarks only. It keeps the
 * state the operator steers (run state, balloon target, disk sizes, migration parameters) and
 * answers with the sidecar's contract records ({@code io.qemuoperator.sidecar.api}); it runs no
 * QEMU. Modelled on what real QEMU 7.2 does: starts in {@code prelaunch}, {@code cont} → RESUME,
 * {@code stop} → STOP, the balloon target is accepted and ignored (no guest driver).
 */
final class SimulatedQemu {
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  final String token;
  private final long memory;
  private final long threadId;
  private final Map<String, Long> disks = new LinkedHashMap<>();
  private final List<SequencedEvent> events = new ArrayList<>();
  private String runState = "prelaunch";
  private long maxBandwidth = 134217728;
  private long downtimeLimit = 300;
  private long commands;

  /**
   * @param threadId the host thread id reported for its one vCPU (distinct per simulated QEMU)
   */
  SimulatedQemu(String token, long memory, Map<String, Long> disks, long threadId) {
    this.token = token;
    this.threadId = threadId;
    this.memory = memory;
    this.disks.putAll(disks);
  }

  synchronized long commands() {
    return commands;
  }

  /** The reply's {@code return}, or null for a command this simulation does not know. */
  synchronized JsonNode command(String name, JsonNode args) {
    commands++;
    switch (name) {
      case "cont" -> transition("running", "RESUME");
      case "stop" -> transition("paused", "STOP");
      case "balloon", "system_powerdown", "quit" -> {}
      case "block_resize" -> disks.put(args.path("device").asText(), args.path("size").asLong());
      case "migrate_set_speed" -> maxBandwidth = Math.max(0, args.path("value").asLong());
      case "migrate_set_downtime" ->
          downtimeLimit = Math.round(args.path("value").asDouble() * 1000);
      default -> {
        return null;
      }
    }
    return JSON.objectNode();
  }

  private void transition(String to, String event) {
    if (!runState.equals(to)) {
      runState = to;
      events.add(new SequencedEvent(events.size() + 1, event, JSON.objectNode(), Instant.now()));
      notifyAll();
    }
  }

  /**
   * {@code /v1/state}: what QEMU 7.2 would report, without the members the operator does not read
   * ({@code query-name}) or that this simulation does not know ({@code query-memory-size-summary}).
   */
  synchronized VmState state(String instance) {
    var block = new ArrayList<BlockDevice>();
    disks.forEach(
        (device, size) ->
            block.add(
                new BlockDevice(
                    device,
                    "unknown",
                    false,
                    false,
                    new InsertedMedium(
                        new BlockDeviceInfo(null, false, "qcow2", null, false, 0, 0, 0, 0, 0, 0),
                        new ImageInfo(size)),
                    null,
                    BlockDeviceIoStatus.OK)));
    return new VmState(
        instance,
        1,
        events.size(),
        new QemuVersion("7.2.22 (simulated)", "simulated"),
        null,
        new RunStatus(runState.equals("running"), null, runState),
        new KvmInfo(false, false),
        new BalloonInfo(memory, null, null, null, null, null, null),
        block,
        List.of(),
        List.of(new CpuInfo(0, true, false, null, null, null, null, threadId)),
        new MigrationInfo(null, null, null),
        new MigrationParameters(maxBandwidth, downtimeLimit),
        null,
        "pc-q35-7.2",
        Map.of());
  }

  /** Events after {@code after}, waiting up to {@code wait} for one. */
  synchronized EventPage events(String instance, long after, Duration wait)
      throws InterruptedException {
    long deadline = System.nanoTime() + wait.toNanos();
    while (events.size() <= after) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        break;
      }
      wait(Math.max(1, left / 1_000_000));
    }
    return new EventPage(
        instance,
        events.size(),
        false,
        0,
        events.subList((int) Math.min(after, events.size()), events.size()));
  }
}
