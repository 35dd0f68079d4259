package io.qemuoperator.operator.migration;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.api.v1alpha1.QemuVMMigration;
import io.qemuoperator.api.v1alpha1.spec.DiskSource;
import io.qemuoperator.api.v1alpha1.spec.DiskSpec;
import io.qemuoperator.api.v1alpha1.spec.QemuVMSpec;
import io.qemuoperator.operator.OperatorConfig;
import io.qemuoperator.operator.pod.VmPod;
import io.qemuoperator.operator.pod.VmResources;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The target pod is the source pod's machine, waiting for the guest, owned by the request. */
class MigrationTargetPodTest {

  private final QemuVM vm = vm();
  private final Pod source = sourcePod(vm);
  private final QemuVMMigration migration = migration();

  @Test
  void runsTheSourcesQemuScriptWaitingForTheIncomingStream() {
    Pod target = MigrationTargetPod.of(source, migration, false);

    String sourceScript = qemu(source).getCommand().get(2);
    String targetScript = qemu(target).getCommand().get(2);
    assertThat(targetScript).isEqualTo(sourceScript.stripTrailing() + " -incoming defer\n");
    assertThat(qemu(target).getImage()).isEqualTo(qemu(source).getImage());
    assertThat(qemu(target).getResources()).isEqualTo(qemu(source).getResources());
    assertThat(target.getSpec().getVolumes()).isEqualTo(source.getSpec().getVolumes());
    assertThat(target.getSpec().getContainers())
        .extracting(Container::getName)
        .containsExactly(VmResources.QEMU_CONTAINER, VmResources.SIDECAR_CONTAINER);
    assertThat(target.getSpec().getContainers().get(1))
        .isEqualTo(source.getSpec().getContainers().get(1));
    assertThat(source.getSpec().getInitContainers()).as("the source imports its disk").hasSize(1);
    assertThat(target.getSpec().getInitContainers()).as("the disks exist already").isEmpty();
    assertThat(qemu(source).getCommand().get(2))
        .as("the source pod is left as it was")
        .doesNotContain("-incoming");
  }

  @Test
  void isNamedAndOwnedByTheRequestAndKeepsTheLaunchAnnotations() {
    Pod target = MigrationTargetPod.of(source, migration, false);

    assertThat(target.getMetadata().getName()).isEqualTo("web-1-qemu-0a1b2c");
    assertThat(target.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(
            owner -> {
              assertThat(owner.getKind()).isEqualTo("QemuVMMigration");
              assertThat(owner.getName()).isEqualTo("move-web-1");
              assertThat(owner.getController()).isTrue();
            });
    var expected = new java.util.HashMap<>(source.getMetadata().getLabels());
    expected.remove(VmResources.LABEL_VM);
    expected.put(MigrationTargetPod.MIGRATION_LABEL, "move-web-1");
    assertThat(target.getMetadata().getLabels())
        .as("not the VM's label, which its Service selects by, before the hand-over")
        .isEqualTo(expected);
    assertThat(target.getMetadata().getAnnotations())
        .isEqualTo(source.getMetadata().getAnnotations())
        .containsKey(VmPod.BOOT);
  }

  @Test
  void avoidsTheSourcesNodeUnlessADiskIsNodeLocal() {
    source.getSpec().setNodeName("node-a");

    Pod away = MigrationTargetPod.of(source, migration, false);
    assertThat(away.getSpec().getNodeName()).isNull();
    var term =
        away.getSpec()
            .getAffinity()
            .getPodAntiAffinity()
            .getPreferredDuringSchedulingIgnoredDuringExecution()
            .getFirst()
            .getPodAffinityTerm();
    assertThat(term.getTopologyKey()).isEqualTo("kubernetes.io/hostname");
    assertThat(term.getLabelSelector().getMatchLabels())
        .containsEntry(VmResources.LABEL_VM, "web-1");

    Pod beside = MigrationTargetPod.of(source, migration, true);
    assertThat(beside.getSpec().getNodeName()).isEqualTo("node-a");
    assertThat(beside.getSpec().getAffinity()).isNull();
  }

  private static Container qemu(Pod pod) {
    return pod.getSpec().getContainers().stream()
        .filter(c -> c.getName().equals(VmResources.QEMU_CONTAINER))
        .findFirst()
        .orElseThrow();
  }

  private static QemuVM vm() {
    var spec = new QemuVMSpec();
    var disk = new DiskSpec("root", new Quantity("1Gi"));
    disk.setSource(DiskSource.url("http://images.example/guest.qcow2", null));
    spec.setDisks(List.of(disk));
    return io.qemuoperator.operator.pod.PodTestVms.vm(spec);
  }

  private static Pod sourcePod(QemuVM vm) {
    return new VmPod(OperatorConfig.defaults()).desired(vm);
  }

  private static QemuVMMigration migration() {
    return MigrationTlsSecretTest.migration();
  }
}
