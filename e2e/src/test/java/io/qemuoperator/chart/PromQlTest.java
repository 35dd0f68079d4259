package io.qemuoperator.chart;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PromQlTest {
  @Test
  void metricsAreToldFromFunctionsAggregationsKeywordsAndLabels() {
    PromQl.Query q =
        PromQl.parse(
            "histogram_quantile(0.95, sum by (le, call) (rate(a_seconds_bucket{x=\"1\",y=~\"$ns\"}"
                + "[$__rate_interval]))) / on (call) group_left (z) b_total offset 5m"
                + " and count without (pod) (c{__name__!=\"d\"} > bool 1) or vector(0)");
    assertThat(q.metrics()).containsExactly("a_seconds_bucket", "b_total", "c");
    assertThat(q.selectors().get(0))
        .isEqualTo(new PromQl.Selector(Optional.of("a_seconds_bucket"), Set.of("x", "y")));
    assertThat(q.selectors().get(2).matcherLabels()).containsExactly("__name__");
    assertThat(q.groupingLabels()).containsExactlyInAnyOrder("le", "call", "z", "pod");
  }

  @Test
  void aSelectorWithoutAName() {
    PromQl.Query q = PromQl.parse("{__name__=\"up\", job='x'} == 0");
    assertThat(q.selectors())
        .containsExactly(new PromQl.Selector(Optional.empty(), Set.of("__name__", "job")));
  }

  @Test
  void exposedMetricsAreNamesWithTheirLabelNames() {
    ExposedMetrics m =
        ExposedMetrics.parse(
            "# HELP x_total a\n# TYPE x_total counter\nx_total{a=\"1\",b=\"q\\\"u,o\"} 1.0\n"
                + "y 2\nx_total{c=\"\"} 3\n");
    assertThat(m.labels("x_total")).containsExactlyInAnyOrder("a", "b", "c");
    assertThat(m.has("y")).isTrue();
    assertThat(m.labels("y")).isEmpty();
  }
}
