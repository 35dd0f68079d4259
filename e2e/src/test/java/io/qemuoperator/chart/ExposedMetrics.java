package io.qemuoperator.chart;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The series names and, for each, its label names, read from Prometheus text exposition (what a
 * {@code /metrics} serves): {@code name{label="value",...} sample}.
 */
record ExposedMetrics(Map<String, Set<String>> labelsByName) {
  private static final Pattern LABEL =
      Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

  static ExposedMetrics parse(String... texts) {
    var labels = new LinkedHashMap<String, Set<String>>();
    for (String text : texts) {
      for (String line : text.lines().toList()) {
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        int brace = line.indexOf('{');
        int space = line.indexOf(' ');
        int end = brace >= 0 && (space < 0 || brace < space) ? brace : space;
        String name = line.substring(0, end);
        Set<String> names = labels.computeIfAbsent(name, n -> new LinkedHashSet<>());
        if (end == brace) {
          Matcher m = LABEL.matcher(line.substring(brace, line.lastIndexOf('}') + 1));
          while (m.find()) {
            names.add(m.group(1));
          }
        }
      }
    }
    return new ExposedMetrics(Map.copyOf(labels));
  }

  boolean has(String name) {
    return labelsByName.containsKey(name);
  }

  Set<String> labels(String name) {
    return labelsByName.getOrDefault(name, Set.of());
  }
}
