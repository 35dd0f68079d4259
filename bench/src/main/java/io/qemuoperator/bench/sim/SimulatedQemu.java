package io.qemuoperator.bench.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * SIMULATED: what one VM's sidecar would report, for control-plane benchmarks only. It keeps the
 * state the operator steers (run state, balloon target, disk sizes, migration parameters) and
 * answers the sidecar's contract with it; it runs no QEMU. Modelled on what real QEMU 7.2 does:
 * starts in {@code prelaunch}, {@code cont} → RESUME, {@code stop} → STOP, the balloon target is
 * accepted and ignored (no guest driver).
 */
final class SimulatedQemu {
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  final String token;
  private final long memory;
  private final long threadId;
  private final Map<String, Long> disks = new LinkedHashMap<>();
  private final List<ObjectNode> events = new ArrayList<>();
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
      events.add(JSON.objectNode().put("seq", events.size() + 1).put("event", event));
      notifyAll();
    }
  }

  synchronized ObjectNode state(String instance) {
    ObjectNode state = JSON.objectNode().put("instance", instance).put("session", 1);
    state.put("eventSeq", events.size());
    state.putObject("qemu").put("version", "7.2.22 (simulated)").put("package", "simulated");
    state.putObject("kvm").put("enabled", false).put("present", false);
    state.putObject("status").put("status", runState).put("running", runState.equals("running"));
    state.putObject("balloon").put("actual", memory);
    ArrayNode block = state.putArray("block");
    disks.forEach(
        (device, size) ->
            block
                .addObject()
                .put("device", device)
                .put("io-status", "ok")
                .putObject("inserted")
                .put("drv", "qcow2")
                .put("ro", false)
                .putObject("image")
                .put("virtual-size", size));
    state.putArray("blockstats");
    state.putArray("cpus").addObject().put("CPU", 0).put("thread_id", threadId);
    state.putObject("migrate");
    state
        .putObject("migrateParameters")
        .put("max-bandwidth", maxBandwidth)
        .put("downtime-limit", downtimeLimit);
    state.putObject("errors");
    return state;
  }

  /** Events after {@code after}, waiting up to {@code wait} for one. */
  synchronized ObjectNode events(String instance, long after, Duration wait)
      throws InterruptedException {
    long deadline = System.nanoTime() + wait.toNanos();
    while (events.size() <= after) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        break;
      }
      wait(Math.max(1, left / 1_000_000));
    }
    ObjectNode page = JSON.objectNode().put("instance", instance).put("lastSeq", events.size());
    page.put("gap", false).put("dropped", 0);
    ArrayNode list = page.putArray("events");
    for (int i = (int) Math.min(after, events.size()); i < events.size(); i++) {
      ObjectNode event = events.get(i).deepCopy();
      event.putObject("data");
      event.put("timestamp", "1970-01-01T00:00:00Z");
      list.add(event);
    }
    return page;
  }
}
