package io.qemuoperator.chart;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every metric the chart's Grafana dashboard and Prometheus alert rules name is one a real operator
 * or a real sidecar exports, with the labels they use: the names are read from both {@code
 * /metrics} after a VM ran on the local cluster ({@link RealMetrics}), not from a list kept by
 * hand, so histogram {@code _bucket}/{@code _count} series, JOSDK's metrics and labelled counters
 * are the ones really served.
 */
class ChartDashboardsE2E {
  private static ExposedMetrics exported;
  private static final ChartMonitoring MONITORING = ChartMonitoring.allOn();

  @BeforeAll
  static void scrape(@TempDir Path dir) throws Exception {
    RealMetrics metrics = RealMetrics.afterAVmRan(dir);
    exported = ExposedMetrics.parse(metrics.operator(), metrics.sidecar());
  }

  @Test
  void theScrapesHoldWhatTheAlertsAreAbout() {
    assertThat(exported.labels("qemu_operator_vm_ready")).containsOnly("vm_namespace", "vm");
    assertThat(exported.labels("qmp_connected")).isEmpty();
    assertThat(exported.labels("qmp_silence_seconds")).isEmpty();
    assertThat(exported.labels("qmp_errors_total")).containsOnly("class");
    assertThat(exported.labels("qemu_operator_actions_total")).containsOnly("command", "result");
  }

  @Test
  void everyPanelVariableAndRuleNamesOnlyExportedMetricsAndTheirLabels() {
    Map<String, String> expressions = MONITORING.expressions();
    assertThat(expressions.keySet())
        .contains(
            "alert QemuVMNotReady",
            "alert QemuVMSidecarDisconnected",
            "alert QemuVMQemuUnresponsive",
            "alert QemuVMQmpErrorsRising")
        .anyMatch(where -> where.startsWith("panel "));
    List<String> problems = new ArrayList<>();
    expressions.forEach(
        (where, expr) -> problems.addAll(MetricReferences.problems(where, expr, exported)));
    MONITORING
        .variableQueries()
        .forEach(
            (where, query) ->
                problems.addAll(MetricReferences.variableProblems(where, query, exported)));
    assertThat(problems).isEmpty();
  }

  @Test
  void aMisspeltMetricOrLabelIsCaught() {
    assertThat(MetricReferences.problems("rule", "qmp_conected == 0", exported))
        .singleElement()
        .asString()
        .contains("qmp_conected is exported by nothing");
    assertThat(
            MetricReferences.problems(
                "panel",
                "histogram_quantile(0.9, sum by (le) (rate(qmp_command_seconds_bucket[5m])))",
                exported))
        .as("the sidecar's timers publish no histogram buckets")
        .anyMatch(p -> p.contains("qmp_command_seconds_bucket is exported by nothing"));
    assertThat(
            MetricReferences.problems(
                "rule", "sum by (device) (rate(qmp_errors_total{klass=\"x\"}[5m]))", exported))
        .containsExactly(
            "rule: qmp_errors_total has no label klass"
                + " (sum by (device) (rate(qmp_errors_total{klass=\"x\"}[5m])))",
            "rule: no metric in the expression has the label device");
  }
}
