package io.qemuoperator.qmp.dialect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Set;

/**
 * {@code query-cpus} → {@code query-cpus-fast}, the reply mapped back to the seed's {@code
 * CpuInfo}: {@code cpu-index} → {@code CPU}, {@code thread-id} → {@code thread_id}.
 *
 * <p>Modern QEMU no longer reports what needed to stop the vCPUs to read: {@code pc} (optional in
 * the seed) is left out; {@code current} is true for the first vCPU, the one the monitor uses when
 * no {@code cpu-index} is given; {@code halted} is required by the seed but unknown, and is
 * reported as false. The modern members ({@code qom-path}, {@code props}, {@code target}) are kept.
 */
record CpusFastQuery() implements Translation {
  private static final Set<String> RENAMED = Set.of("cpu-index", "thread-id");

  @Override
  public String seedCommand() {
    return "query-cpus";
  }

  @Override
  public boolean availableOn(QemuOffer offer) {
    return offer.has("query-cpus-fast");
  }

  @Override
  public CommandRoute route(ObjectNode arguments, QemuOffer offer) {
    return new CommandRoute.Send(
        "query-cpus-fast", arguments.objectNode(), CpusFastQuery::toCpuInfo, Outcome.TRANSLATED);
  }

  static JsonNode toCpuInfo(JsonNode cpusFast) {
    ArrayNode cpus = JsonNodeFactory.instance.arrayNode();
    long first =
        cpusFast.isEmpty()
            ? 0
            : java.util.stream.StreamSupport.stream(cpusFast.spliterator(), false)
                .mapToLong(cpu -> cpu.path("cpu-index").asLong())
                .min()
                .orElse(0);
    for (JsonNode fast : cpusFast) {
      ObjectNode cpu = cpus.addObject();
      long index = fast.path("cpu-index").asLong();
      cpu.put("CPU", index);
      cpu.put("current", index == first);
      cpu.put("halted", false);
      cpu.put("thread_id", fast.path("thread-id").asLong());
      fast.properties().stream()
          .filter(member -> !RENAMED.contains(member.getKey()))
          .forEach(member -> cpu.set(member.getKey(), member.getValue()));
    }
    return cpus;
  }
}
