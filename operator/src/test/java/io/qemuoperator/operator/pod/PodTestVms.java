package io.qemuoperator.operator.pod;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.api.v1alpha1.spec.QemuVMSpec;

/** The QemuVM the pod tests build pods for: {@code ns/web-1} with a fixed uid. */
public final class PodTestVms {
  private PodTestVms() {}

  public static QemuVM vm(QemuVMSpec spec) {
    var vm = new QemuVM();
    vm.setMetadata(
        new ObjectMetaBuilder()
            .withName("web-1")
            .withNamespace("ns")
            .withUid("6f1c2a52-9a0b-4a43-8f3e-0d3e1b6f7a10")
            .build());
    vm.setSpec(spec);
    return vm;
  }
}
