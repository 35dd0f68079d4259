package io.qemuoperator.operator.pod;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.api.v1alpha1.spec.DiskSource;
import io.qemuoperator.api.v1alpha1.spec.DiskSpec;
import io.qemuoperator.api.v1alpha1.spec.QemuVMSpec;
import io.qemuoperator.operator.OperatorConfig;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every container of a VM pod runs as the chart's operator pod does: non-root and restricted. */
class VmPodSecurityTest {

  @Test
  void everyContainerIsNonRootReadOnlyWithoutCapabilitiesUnderTheDefaultSeccompProfile() {
    QemuVM vm = PodTestVms.vm(new QemuVMSpec());
    var disk = new DiskSpec("root", new Quantity("1Gi"));
    disk.setSource(DiskSource.url("http://images.example/guest.qcow2", null));
    vm.getSpec().setDisks(List.of(disk));

    Pod pod = new VmPod(OperatorConfig.defaults()).desired(vm);

    List<Container> containers =
        Stream.concat(
                pod.getSpec().getInitContainers().stream(), pod.getSpec().getContainers().stream())
            .toList();
    assertThat(containers)
        .extracting(Container::getName)
        .containsExactly(
            DiskImport.CONTAINER, VmResources.QEMU_CONTAINER, VmResources.SIDECAR_CONTAINER);
    for (Container container : containers) {
      var security = container.getSecurityContext();
      assertThat(security.getRunAsNonRoot()).as(container.getName()).isTrue();
      assertThat(security.getRunAsUser()).as(container.getName()).isEqualTo(65532L);
      assertThat(security.getRunAsGroup()).as(container.getName()).isEqualTo(65532L);
      assertThat(security.getReadOnlyRootFilesystem()).as(container.getName()).isTrue();
      assertThat(security.getAllowPrivilegeEscalation()).as(container.getName()).isFalse();
      assertThat(security.getCapabilities().getDrop())
          .as(container.getName())
          .containsExactly("ALL");
      assertThat(security.getPrivileged()).as(container.getName()).isNull();
    }
    assertThat(pod.getSpec().getSecurityContext().getSeccompProfile().getType())
        .isEqualTo("RuntimeDefault");
    assertThat(pod.getSpec().getSecurityContext().getFsGroup()).isEqualTo(65532L);
  }
}
