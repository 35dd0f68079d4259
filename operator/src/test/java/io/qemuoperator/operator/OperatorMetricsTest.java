package io.qemuoperator.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

class OperatorMetricsTest {
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final OperatorMetrics metrics = new OperatorMetrics(registry);

  @Test
  void eachQemuVMsReadyConditionIsOneSeriesThatEndsWithTheVm() {
    metrics.vmReady("vms", "web-1", false);
    metrics.vmReady("vms", "web-2", true);
    assertThat(registry.scrape())
        .contains("qemu_operator_vm_ready{vm=\"web-1\",vm_namespace=\"vms\"} 0")
        .contains("qemu_operator_vm_ready{vm=\"web-2\",vm_namespace=\"vms\"} 1");

    metrics.vmReady("vms", "web-1", true);
    metrics.vmGone("vms", "web-2");
    metrics.vmGone("vms", "never-seen");
    assertThat(registry.scrape())
        .contains("qemu_operator_vm_ready{vm=\"web-1\",vm_namespace=\"vms\"} 1")
        .doesNotContain("web-2");
  }
}
