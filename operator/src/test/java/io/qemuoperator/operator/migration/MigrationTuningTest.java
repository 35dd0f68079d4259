package io.qemuoperator.operator.migration;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.api.v1alpha1.spec.MigrationPolicy;
import io.qemuoperator.api.v1alpha1.spec.MigrationSpec;
import io.qemuoperator.api.v1alpha1.spec.QemuVMSpec;
import io.qemuoperator.api.v1alpha1.status.KvmStatus;
import io.qemuoperator.api.v1alpha1.status.QemuStatus;
import io.qemuoperator.api.v1alpha1.status.QemuVMStatus;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** What a migration is told, from the VM's spec.migration and the accelerator QEMU reports. */
class MigrationTuningTest {

  @Test
  void autoIsStopAndCopyUnderTcgAndPreCopyUnderKvm() {
    assertThat(MigrationTuning.of(vm(new MigrationSpec(), false)).policy())
        .isEqualTo(MigrationPolicy.StopAndCopy);
    assertThat(MigrationTuning.of(vm(new MigrationSpec(), true)).policy())
        .isEqualTo(MigrationPolicy.PreCopy);
    assertThat(MigrationTuning.of(vm(null, true)).policy()).isEqualTo(MigrationPolicy.PreCopy);
  }

  @Test
  void anExplicitPolicyIsKeptWhateverTheAccelerator() {
    var spec = new MigrationSpec();
    spec.setPolicy(MigrationPolicy.PreCopy);
    assertThat(MigrationTuning.of(vm(spec, false)).policy()).isEqualTo(MigrationPolicy.PreCopy);
    spec.setPolicy(MigrationPolicy.StopAndCopy);
    assertThat(MigrationTuning.of(vm(spec, true)).policy()).isEqualTo(MigrationPolicy.StopAndCopy);
  }

  @Test
  void unsetFiguresAreQemusDefaults() {
    MigrationTuning tuning = MigrationTuning.of(vm(null, false));
    assertThat(tuning.maxBandwidth()).isEqualTo(128L << 20);
    assertThat(tuning.maxDowntimeMs()).isEqualTo(300);
    assertThat(tuning.autoConverge()).isFalse();
    assertThat(tuning.completionTimeout()).isEqualTo(Duration.ofMinutes(10));
  }

  @Test
  void theSpecsFiguresAreRead() {
    var spec = new MigrationSpec(new Quantity("32Mi"), "1.5s");
    spec.setAutoConverge(true);
    spec.setCompletionTimeout("90s");
    MigrationTuning tuning = MigrationTuning.of(vm(spec, true));
    assertThat(tuning.maxBandwidth()).isEqualTo(32L << 20);
    assertThat(tuning.maxDowntimeMs()).isEqualTo(1500);
    assertThat(tuning.autoConverge()).isTrue();
    assertThat(tuning.completionTimeout()).isEqualTo(Duration.ofSeconds(90));
    assertThat(MigrationTuning.timeout("15m")).isEqualTo(Duration.ofMinutes(15));
  }

  private static QemuVM vm(MigrationSpec migration, boolean kvm) {
    var vm = new QemuVM();
    vm.setMetadata(new ObjectMetaBuilder().withName("web-1").withNamespace("ns").build());
    var spec = new QemuVMSpec();
    spec.setMigration(migration);
    vm.setSpec(spec);
    var status = new QemuVMStatus();
    var qemu = new QemuStatus();
    var kvmStatus = new KvmStatus();
    kvmStatus.setEnabled(kvm);
    kvmStatus.setPresent(true);
    qemu.setKvm(kvmStatus);
    status.setQemu(qemu);
    vm.setStatus(status);
    return vm;
  }
}
