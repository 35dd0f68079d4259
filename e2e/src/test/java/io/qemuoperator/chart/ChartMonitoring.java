package io.qemuoperator.chart;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The chart's monitoring rendered with everything on (the dashboard ConfigMap, the PrometheusRule,
 * the PodMonitor), and every PromQL expression in it by where it is.
 */
record ChartMonitoring(RenderedChart chart) {
  static final String DASHBOARD_KEY = "qemu-operator.json";

  static ChartMonitoring allOn() {
    return new ChartMonitoring(
        RenderedChart.render(
            Map.of(
                "metrics.grafanaDashboard.enabled", true,
                "metrics.prometheusRule.enabled", true,
                "metrics.podMonitor.enabled", true,
                "metrics.serviceMonitor.enabled", true)));
  }

  JsonNode dashboard() {
    try {
      return new ObjectMapper()
          .readTree(chart.one("ConfigMap").path("data").path(DASHBOARD_KEY).asText());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every panel query of the dashboard ("panel TITLE #n") and every rule ("alert NAME"). */
  Map<String, String> expressions() {
    var found = new LinkedHashMap<String, String>();
    panels(dashboard().path("panels"), found);
    for (JsonNode group : chart.one("PrometheusRule").path("spec").path("groups")) {
      for (JsonNode rule : group.path("rules")) {
        found.put("alert " + rule.path("alert").asText(), rule.path("expr").asText());
      }
    }
    return found;
  }

  /** The dashboard's query variables (label_values(...)) by name. */
  Map<String, String> variableQueries() {
    var found = new LinkedHashMap<String, String>();
    for (JsonNode variable : dashboard().path("templating").path("list")) {
      if ("query".equals(variable.path("type").asText())) {
        JsonNode query = variable.path("query");
        found.put(
            "variable " + variable.path("name").asText(),
            query.isObject() ? query.path("query").asText() : query.asText());
      }
    }
    return found;
  }

  private static void panels(JsonNode panels, Map<String, String> found) {
    for (JsonNode panel : panels) {
      int n = 0;
      for (JsonNode target : panel.path("targets")) {
        found.put(
            "panel '" + panel.path("title").asText() + "' #" + ++n, target.path("expr").asText());
      }
      panels(panel.path("panels"), found); // a row's own panels
    }
  }
}
