package io.qemuoperator.local;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.api.v1alpha1.spec.DiskSpec;
import io.qemuoperator.api.v1alpha1.spec.QemuVMSpec;
import java.util.List;
import java.util.function.Consumer;

/**
 * The QemuVM the scenarios and benchmarks start from, sized for a two-core machine: 1 vCPU, 128Mi,
 * one 64Mi disk named {@code root}, a 2 s termination grace period; {@code spec} changes it.
 */
public final class SmallVm {
  private SmallVm() {}

  public static QemuVM of(String namespace, String name, Consumer<QemuVMSpec> spec) {
    var vm = new QemuVM();
    vm.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
    var s = new QemuVMSpec();
    s.setCpus(1);
    s.setMemory(new Quantity("128Mi"));
    var disk = new DiskSpec();
    disk.setName("root");
    disk.setSize(new Quantity("64Mi"));
    s.setDisks(List.of(disk));
    s.setTerminationGracePeriodSeconds(2L);
    spec.accept(s);
    vm.setSpec(s);
    return vm;
  }
}
