package io.qemuoperator.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The figures of one benchmark run on each API server, as one plain-text table: a column per server
 * (real first), a row per figure, the target last.
 */
public final class SideBySide {
  private final Map<String, ObjectNode> runs;
  private final List<String[]> rows = new ArrayList<>();

  /** {@code runs}: each server's report, by server name, in column order. */
  public SideBySide(Map<String, ObjectNode> runs) {
    this.runs = new LinkedHashMap<>(runs);
  }

  /** A heading line. */
  public SideBySide section(String title) {
    rows.add(new String[] {title});
    return this;
  }

  /** A row: {@code cell} formats one server's report (null: nothing to show). */
  public SideBySide row(String label, Function<ObjectNode, String> cell, String target) {
    var row = new ArrayList<String>();
    row.add("  " + label);
    for (ObjectNode run : runs.values()) {
      String value = cell.apply(run);
      row.add(value == null ? "—" : value);
    }
    row.add(target);
    rows.add(row.toArray(String[]::new));
    return this;
  }

  /** One row per key of the object at {@code field} in any server's report (a breakdown). */
  public SideBySide breakdown(String field, String format, String indent) {
    Set<String> keys = new LinkedHashSet<>();
    runs.values().forEach(run -> run.path(field).fieldNames().forEachRemaining(keys::add));
    for (String key : keys) {
      row(
          indent + key,
          run -> {
            JsonNode value = run.path(field).path(key);
            return value.isMissingNode()
                ? null
                : String.format(Locale.ROOT, format, value.asDouble());
          },
          "");
    }
    return this;
  }

  /** A figure {@code {"value": …}} at {@code field}, formatted. */
  public static Function<ObjectNode, String> figure(String field, String format) {
    return run -> {
      JsonNode value = run.path(field).path("value");
      return value.isMissingNode() ? null : String.format(Locale.ROOT, format, value.asDouble());
    };
  }

  /** A latency summary at {@code field}: "p50 / p99" in ms. */
  public static Function<ObjectNode, String> latency(String field) {
    return run -> {
      JsonNode stats = run.path(field);
      return stats.isMissingNode()
          ? null
          : String.format(
              Locale.ROOT,
              "%.1f / %.1f ms",
              stats.path("p50Us").asDouble() / 1000,
              stats.path("p99Us").asDouble() / 1000);
    };
  }

  /** {@code {"p50Ms", "p90Ms"}} at {@code field}/{@code key}: "p50 / p90 s". */
  public static Function<ObjectNode, String> p50p90(String field, String key) {
    return run -> {
      JsonNode stats = run.path(field).path(key);
      return stats.isMissingNode()
          ? null
          : String.format(
              Locale.ROOT,
              "%.1f / %.1f s",
              stats.path("p50Ms").asDouble() / 1000,
              stats.path("p90Ms").asDouble() / 1000);
    };
  }

  public String render() {
    int columns = runs.size() + 2;
    int[] width = new int[columns];
    var names = new ArrayList<String>();
    names.add("");
    runs.keySet().forEach(names::add);
    names.add("target");
    for (String[] row : rows) {
      if (row.length == columns) {
        for (int i = 0; i < columns; i++) {
          width[i] = Math.max(width[i], row[i].length());
        }
      }
    }
    for (int i = 0; i < columns; i++) {
      width[i] = Math.max(width[i], names.get(i).length());
    }
    var out = new StringBuilder();
    line(out, names.toArray(String[]::new), width);
    for (String[] row : rows) {
      if (row.length == 1) {
        out.append(row[0]).append('\n');
      } else {
        line(out, row, width);
      }
    }
    return out.toString();
  }

  private static void line(StringBuilder out, String[] cells, int[] width) {
    for (int i = 0; i < cells.length; i++) {
      String cell = cells[i];
      if (i == 0) {
        out.append(cell).append(" ".repeat(width[i] - cell.length()));
      } else {
        out.append("  ").append(" ".repeat(Math.max(0, width[i] - cell.length()))).append(cell);
      }
    }
    out.append('\n');
  }
}
