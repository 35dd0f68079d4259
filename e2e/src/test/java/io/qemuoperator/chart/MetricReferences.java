package io.qemuoperator.chart;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks that a PromQL expression names only metrics something exports, and only labels those
 * metrics carry or the scrape adds.
 */
final class MetricReferences {
  /**
   * Labels Prometheus adds to every scraped series (the target's labels from a ServiceMonitor or
   * PodMonitor), besides the series' own.
   */
  static final Set<String> TARGET_LABELS =
      Set.of("namespace", "pod", "container", "endpoint", "service", "instance", "job");

  private static final Pattern LABEL_VALUES =
      Pattern.compile("^\\s*label_values\\(\\s*(.+?)\\s*,\\s*([a-zA-Z_][a-zA-Z0-9_]*)\\s*\\)\\s*$");

  private MetricReferences() {}

  /** What is wrong with {@code expr} (found at {@code where}); empty when nothing is. */
  static List<String> problems(String where, String expr, ExposedMetrics exported) {
    var problems = new ArrayList<String>();
    PromQl.Query query = PromQl.parse(expr);
    var known = new LinkedHashSet<>(TARGET_LABELS);
    for (PromQl.Selector selector : query.selectors()) {
      if (selector.metric().isEmpty()) {
        problems.add(where + ": a selector without a metric name in " + expr);
        continue;
      }
      String metric = selector.metric().get();
      if (!exported.has(metric)) {
        problems.add(where + ": " + metric + " is exported by nothing (" + expr + ")");
        continue;
      }
      known.addAll(exported.labels(metric));
      for (String label : selector.matcherLabels()) {
        if (!exported.labels(metric).contains(label) && !TARGET_LABELS.contains(label)) {
          problems.add(where + ": " + metric + " has no label " + label + " (" + expr + ")");
        }
      }
    }
    if (query.selectors().isEmpty()) {
      problems.add(where + ": no metric at all in " + expr);
    }
    for (String label : query.groupingLabels()) {
      if (!known.contains(label)) {
        problems.add(where + ": no metric in the expression has the label " + label);
      }
    }
    return problems;
  }

  /** As {@link #problems}, for a Grafana variable query {@code label_values(SELECTOR, LABEL)}. */
  static List<String> variableProblems(String where, String query, ExposedMetrics exported) {
    Matcher m = LABEL_VALUES.matcher(query);
    if (!m.matches()) {
      return List.of(where + ": not label_values(metric, label): " + query);
    }
    var problems = new ArrayList<>(problems(where, m.group(1), exported));
    String label = m.group(2);
    boolean carried =
        PromQl.parse(m.group(1)).metrics().stream()
            .anyMatch(metric -> exported.labels(metric).contains(label));
    if (problems.isEmpty() && !carried && !TARGET_LABELS.contains(label)) {
      problems.add(where + ": " + m.group(1) + " has no label " + label);
    }
    return problems;
  }
}
