package io.qemuoperator.operator.pod;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.fabric8.kubernetes.api.model.Quantity;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.api.v1alpha1.spec.QemuVMSpec;
import io.qemuoperator.operator.OperatorConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A VM pod requests its vCPUs divided by the CPU allocation ratio (KubeVirt's default 10), so idle
 * VMs share a node's cores: found on the real node, where five one- and two-vCPU examples
 * requesting whole cores left pods Pending on two cores.
 */
class VmPodCpuRequestTest {

  private static Quantity cpuRequest(Map<String, String> env, int cpus) {
    QemuVM vm = PodTestVms.vm(new QemuVMSpec());
    vm.getSpec().setCpus(cpus);
    return new VmPod(OperatorConfig.fromEnvironment(env))
        .desired(vm).getSpec().getContainers().stream()
            .filter(c -> c.getName().equals(VmResources.QEMU_CONTAINER))
            .findFirst()
            .orElseThrow()
            .getResources()
            .getRequests()
            .get("cpu");
  }

  @Test
  void aTenthOfACorePerVcpuByDefaultAndNoCpuLimit() {
    assertThat(cpuRequest(Map.of(), 1)).isEqualTo(new Quantity("100m"));
    assertThat(cpuRequest(Map.of(), 4)).isEqualTo(new Quantity("400m"));
  }

  @Test
  void theRatioIsConfigurableAndRoundsUp() {
    assertThat(cpuRequest(Map.of("CPU_ALLOCATION_RATIO", "1"), 2)).isEqualTo(new Quantity("2000m"));
    assertThat(cpuRequest(Map.of("CPU_ALLOCATION_RATIO", "3"), 1)).isEqualTo(new Quantity("334m"));
  }

  @Test
  void aRatioBelowOneOrNotANumberStopsTheOperatorWithTheReason() {
    assertThat(
            catchThrowable(
                () -> OperatorConfig.fromEnvironment(Map.of("CPU_ALLOCATION_RATIO", "0"))))
        .hasMessage("CPU_ALLOCATION_RATIO must be a whole number >= 1, got 0");
    assertThat(
            catchThrowable(
                () -> OperatorConfig.fromEnvironment(Map.of("CPU_ALLOCATION_RATIO", "ten"))))
        .hasMessage("CPU_ALLOCATION_RATIO must be a whole number >= 1, got ten");
  }
}
