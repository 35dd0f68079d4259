package io.qemuoperator.operator.pod;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.api.v1alpha1.spec.Accelerator;
import io.qemuoperator.api.v1alpha1.spec.QemuVMSpec;
import io.qemuoperator.operator.OperatorConfig;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The accelerator operator-wide, and how a VM pod asks for /dev/kvm. */
class KvmAccessTest {

  private static QemuVM vm() {
    return PodTestVms.vm(new QemuVMSpec());
  }

  private static Pod pod(Map<String, String> env) {
    return new VmPod(OperatorConfig.fromEnvironment(env)).desired(vm());
  }

  private static Pod pod(Map<String, String> env, Accelerator accelerator) {
    QemuVM vm = vm();
    vm.getSpec().setAccelerator(accelerator);
    return new VmPod(OperatorConfig.fromEnvironment(env)).desired(vm);
  }

  private static Container qemu(Pod pod) {
    return pod.getSpec().getContainers().stream()
        .filter(c -> c.getName().equals(VmResources.QEMU_CONTAINER))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void byDefaultThePodAsksForKubeVirtsKvmResourceAndChoosesOnTheNode() {
    Container qemu = qemu(pod(Map.of()));
    assertThat(qemu.getResources().getRequests())
        .containsEntry("devices.kubevirt.io/kvm", new Quantity("1"));
    assertThat(qemu.getResources().getLimits())
        .containsEntry("devices.kubevirt.io/kvm", new Quantity("1"));
    assertThat(qemu.getCommand().get(2))
        .contains(QemuCommandLine.ACCELERATOR_CHOICE)
        .contains("accel=$accel");
    assertThat(pod(Map.of()).getSpec().getSecurityContext().getSupplementalGroups()).isEmpty();
  }

  @Test
  void theResourceNameAndGroupAreConfigurableAndTheResourceCanBeTurnedOff() {
    Pod pod = pod(Map.of("KVM_RESOURCE", "example.com/kvm", "KVM_GROUP_ID", "36"));
    assertThat(qemu(pod).getResources().getLimits())
        .containsEntry("example.com/kvm", new Quantity("1"))
        .doesNotContainKey("devices.kubevirt.io/kvm");
    assertThat(pod.getSpec().getSecurityContext().getSupplementalGroups()).containsExactly(36L);

    Container off = qemu(pod(Map.of("KVM_RESOURCE", "")));
    assertThat(off.getResources().getRequests()).containsOnlyKeys("memory", "cpu");
    assertThat(off.getResources().getLimits()).containsOnlyKeys("memory");
  }

  @Test
  void tcgAsksForNoKvmAndNeverLooksForIt() {
    Pod pod = pod(Map.of("ACCELERATOR", "TCG", "KVM_GROUP_ID", "36"));
    Container qemu = qemu(pod);
    assertThat(qemu.getResources().getRequests()).containsOnlyKeys("memory", "cpu");
    assertThat(pod.getSpec().getSecurityContext().getSupplementalGroups()).isEmpty();
    assertThat(qemu.getCommand().get(2))
        .contains("accel=tcg\n")
        .doesNotContain("/dev/kvm")
        .contains("accel=$accel");
  }

  @Test
  void kvmRefusesToStartWithoutAUsableKvmInsteadOfFallingBack() {
    Container qemu = qemu(pod(Map.of("ACCELERATOR", "KVM")));
    String script = qemu.getCommand().get(2);
    assertThat(script)
        .contains(QemuCommandLine.ACCELERATOR_KVM_ONLY)
        .doesNotContain("accel=tcg")
        .contains("/dev/termination-log", "exit 3");
    assertThat(qemu.getResources().getRequests()).containsKey("devices.kubevirt.io/kvm");
  }

  @Test
  void aVmsAcceleratorOverridesTheOperatorsAndIsABootTimeField() {
    Container tcg = qemu(pod(Map.of("ACCELERATOR", "KVM"), Accelerator.TCG));
    assertThat(tcg.getCommand().get(2)).contains("accel=tcg\n").doesNotContain("/dev/kvm");
    assertThat(tcg.getResources().getRequests()).containsOnlyKeys("memory", "cpu");
    Container kvm = qemu(pod(Map.of("ACCELERATOR", "TCG"), Accelerator.KVM));
    assertThat(kvm.getCommand().get(2)).contains(QemuCommandLine.ACCELERATOR_KVM_ONLY);
    assertThat(kvm.getResources().getRequests()).containsKey("devices.kubevirt.io/kvm");

    QemuVM vm = vm();
    vm.getSpec().setAccelerator(Accelerator.TCG);
    var boot = io.qemuoperator.operator.plan.SpecReader.launch(vm).boot();
    assertThat(boot.canonical()).endsWith(";accelerator=TCG");
    assertThat(io.qemuoperator.operator.plan.BootConfig.parse(boot.canonical())).contains(boot);
    var unset = io.qemuoperator.operator.plan.SpecReader.launch(vm()).boot();
    assertThat(unset.canonical()).doesNotContain("accelerator");
    assertThat(unset.changesTo(boot).toString())
        .contains("spec.accelerator (operator default) → TCG");
  }

  @Test
  void environmentDefaults() {
    assertThat(KvmAccess.fromEnvironment(Map.of()))
        .isEqualTo(new KvmAccess(Accelerator.Auto, KvmAccess.KUBEVIRT_RESOURCE, Optional.empty()));
  }
}
