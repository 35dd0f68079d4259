package io.qemuoperator.operator.pod;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.api.v1alpha1.spec.DiskSpec;
import io.qemuoperator.api.v1alpha1.spec.Firmware;
import io.qemuoperator.api.v1alpha1.spec.QemuVMSpec;
import io.qemuoperator.api.v1alpha1.status.QemuVMStatus;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class VmLaunchTest {

  private static QemuVM vm(QemuVMSpec spec, String pinnedMachine) {
    var vm = new QemuVM();
    vm.setMetadata(new ObjectMetaBuilder().withName("web-1").withUid("uid-1").build());
    vm.setSpec(spec);
    if (pinnedMachine != null) {
      var status = new QemuVMStatus();
      status.setMachine(pinnedMachine);
      vm.setStatus(status);
    }
    return vm;
  }

  private static QemuVMSpec twoDisks() {
    var spec = new QemuVMSpec();
    spec.setDisks(
        List.of(
            new DiskSpec("root", new Quantity("64Mi")), new DiskSpec("data", new Quantity("1Gi"))));
    return spec;
  }

  @Test
  void theFirstDiskBootsOnBiosOnQ35UntilAMachineIsPinned() {
    VmLaunch launch = VmLaunch.of(vm(twoDisks(), null));
    assertThat(launch.disks())
        .extracting(VmLaunch.Disk::bootIndex)
        .containsExactly(Optional.of(1), Optional.empty());
    assertThat(launch.firmware()).isEqualTo(VmLaunch.Boot.BIOS_Q35);
  }

  @Test
  void laterLaunchesUseThePinnedMachineUnlessTheSpecNamesOne() {
    assertThat(VmLaunch.of(vm(twoDisks(), "pc-q35-7.2")).firmware().machine())
        .isEqualTo("pc-q35-7.2");
    QemuVMSpec explicit = twoDisks();
    explicit.setMachine("pc-q35-8.0");
    assertThat(VmLaunch.of(vm(explicit, "pc-q35-7.2")).firmware().machine())
        .isEqualTo("pc-q35-8.0");
  }

  @Test
  void bootOrderAndUefiVariablesKeptWithTheFirstDisk() {
    QemuVMSpec spec = twoDisks();
    spec.getDisks().get(1).setBootOrder(1);
    spec.getDisks().get(0).setBootOrder(5);
    spec.setFirmware(Firmware.UEFI);
    VmLaunch launch = VmLaunch.of(vm(spec, null));
    assertThat(launch.disks())
        .extracting(VmLaunch.Disk::bootIndex)
        .containsExactly(Optional.of(2), Optional.of(1));
    assertThat(launch.firmware().uefiVars())
        .contains(VmResources.diskMount("root").resolve(VmResources.UEFI_VARS));
  }
}
