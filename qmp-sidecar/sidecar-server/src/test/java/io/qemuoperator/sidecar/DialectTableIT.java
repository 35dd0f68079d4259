package io.qemuoperator.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.qemuoperator.testing.RawQmp;
import io.qemuoperator.testing.TestingQemu;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The sidecar's {@code GET /v1/dialect} against the QEMU under test ({@code QEMU_SYSTEM}): printed
 * as a table, and checked row by row against what this QEMU itself reports over an independent
 * monitor ({@code query-commands}, {@code query-qmp-schema}), read here without the sidecar's code.
 */
class DialectTableIT {

  /**
   * Where each translated seed command goes on modern QEMU: the commands (and, after a colon, an
   * argument introspection must show) that have to exist for the translation to be offered. Any one
   * alternative suffices.
   */
  private static final Map<String, List<List<String>>> MODERN_EQUIVALENTS =
      Map.of(
          "query-cpus", List.of(List.of("query-cpus-fast")),
          "migrate_set_speed", List.of(List.of("migrate-set-parameters:max-bandwidth")),
          "migrate_set_downtime", List.of(List.of("migrate-set-parameters:downtime-limit")),
          "change",
              List.of(
                  List.of("blockdev-change-medium"),
                  List.of("change-vnc-password"),
                  List.of("display-update")),
          "block_stream", List.of(List.of("block-stream")),
          "block_job_set_speed", List.of(List.of("block-job-set-speed:speed")),
          "block_job_cancel", List.of(List.of("block-job-cancel")));

  /** The seed's no-op, answered by the sidecar whatever QEMU offers. */
  private static final String NO_OP = "cpu";

  @Test
  void theDialectTableMatchesWhatThisQemuOffers() throws Exception {
    try (var qemu = TestingQemu.start();
        var sidecar = TestingSidecar.start(qemu.qmpSocket(), qemu.dir());
        var observer = RawQmp.connect(qemu.observerSocket())) {
      JsonNode version = observer.execute("query-version", null).path("return").path("qemu");
      String qemuVersion =
          version.path("major").asInt()
              + "."
              + version.path("minor").asInt()
              + "."
              + version.path("micro").asInt();
      Set<String> commands = new HashSet<>();
      observer
          .execute("query-commands", null)
          .path("return")
          .forEach(c -> commands.add(c.path("name").asText()));
      Map<String, Set<String>> arguments =
          argumentsByCommand(observer.execute("query-qmp-schema", null).path("return"));

      JsonNode dialect = sidecar.get("/v1/dialect", true).json();
      var table = new LinkedHashMap<String, String>();
      dialect
          .path("commands")
          .properties()
          .forEach(e -> table.put(e.getKey(), e.getValue().asText()));

      var printed = new StringBuilder();
      printed.append("GET /v1/dialect on QEMU ").append(qemuVersion).append('\n');
      table.forEach(
          (command, outcome) -> printed.append(String.format("  %-26s %s%n", command, outcome)));
      var counts = new TreeMap<String, Integer>();
      table.values().forEach(outcome -> counts.merge(outcome, 1, Integer::sum));
      printed.append("  totals: ").append(counts);
      System.out.println(printed);

      assertThat(table).as("one row per seed command").hasSize(46);
      var expected = new LinkedHashMap<String, String>();
      for (String command : table.keySet()) {
        expected.put(command, expectedOutcome(command, commands, arguments));
      }
      assertThat(table).as("QEMU %s offers %s", qemuVersion, commands).isEqualTo(expected);
    }
  }

  private static String expectedOutcome(
      String seedCommand, Set<String> commands, Map<String, Set<String>> arguments) {
    if (commands.contains(seedCommand)) {
      return "AS_IS";
    }
    for (List<String> alternative : MODERN_EQUIVALENTS.getOrDefault(seedCommand, List.of())) {
      if (alternative.stream().allMatch(need -> offered(need, commands, arguments))) {
        return "TRANSLATED";
      }
    }
    return NO_OP.equals(seedCommand) ? "EMULATED" : "UNAVAILABLE";
  }

  private static boolean offered(
      String need, Set<String> commands, Map<String, Set<String>> arguments) {
    int colon = need.indexOf(':');
    String command = colon < 0 ? need : need.substring(0, colon);
    return commands.contains(command)
        && (colon < 0
            || arguments.getOrDefault(command, Set.of()).contains(need.substring(colon + 1)));
  }

  /** From {@code query-qmp-schema}: per command, the member names of its argument object. */
  private static Map<String, Set<String>> argumentsByCommand(JsonNode schema) {
    var objects = new HashMap<String, Set<String>>();
    var argTypes = new HashMap<String, String>();
    for (JsonNode entry : schema) {
      switch (entry.path("meta-type").asText()) {
        case "object" -> {
          var members = new HashSet<String>();
          entry.path("members").forEach(m -> members.add(m.path("name").asText()));
          objects.put(entry.path("name").asText(), members);
        }
        case "command" ->
            argTypes.put(entry.path("name").asText(), entry.path("arg-type").asText());
        default -> {}
      }
    }
    var result = new HashMap<String, Set<String>>();
    argTypes.forEach((command, type) -> result.put(command, objects.getOrDefault(type, Set.of())));
    return result;
  }
}
