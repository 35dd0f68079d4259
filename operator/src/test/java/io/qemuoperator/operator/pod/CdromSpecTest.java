package io.qemuoperator.operator.pod;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.api.v1alpha1.spec.CdromSpec;
import io.qemuoperator.api.v1alpha1.spec.DiskSpec;
import io.qemuoperator.api.v1alpha1.spec.QemuVMSpec;
import io.qemuoperator.operator.OperatorConfig;
import io.qemuoperator.operator.plan.BootConfig;
import io.qemuoperator.operator.plan.CdromMedia;
import io.qemuoperator.operator.plan.DesiredVm;
import io.qemuoperator.operator.plan.ObservedVm;
import io.qemuoperator.operator.plan.Plan;
import io.qemuoperator.operator.plan.Planner;
import io.qemuoperator.operator.plan.PriorIntent;
import io.qemuoperator.operator.plan.QmpAction;
import io.qemuoperator.operator.plan.SpecReader;
import io.qemuoperator.operator.validation.QemuVMSpecValidator;
import io.qemuoperator.operator.validation.Violation;
import io.qemuoperator.qmp.types.ChangeArguments;
import io.qemuoperator.qmp.types.EjectArguments;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/**
 * spec.cdroms: validation, the launch line, the pod's read-only volume, QEMU's devices, the plan.
 */
class CdromSpecTest {
  private static final Instant NOW = Instant.parse("2026-11-28T07:00:00Z");
  private final QemuVMSpecValidator validator = new QemuVMSpecValidator();

  private static QemuVM vm(QemuVMSpec spec) {
    return PodTestVms.vm(spec);
  }

  private static QemuVMSpec withCdrom(String file) {
    var spec = new QemuVMSpec();
    spec.setCdroms(new ArrayList<>(List.of(new CdromSpec("install", "media", file))));
    return spec;
  }

  private List<String> violations(QemuVMSpec spec) {
    return validator.validate(spec).stream().map(Violation::toString).toList();
  }

  @Test
  void goodCdromsPassAndBadNamesClaimsAndFilesAreRefusedByField() {
    assertThat(violations(withCdrom("isos/debian-12.iso"))).isEmpty();
    assertThat(violations(withCdrom(null))).as("an empty drive").isEmpty();

    var spec = new QemuVMSpec();
    var disk = new DiskSpec();
    disk.setName("root");
    disk.setSize(new Quantity("1Gi"));
    spec.setDisks(List.of(disk));
    spec.setCdroms(
        List.of(
            new CdromSpec("root", "media", "a.iso"),
            new CdromSpec("cd", "media", "../etc/passwd"),
            new CdromSpec("cd", "Media", "/abs.iso"),
            new CdromSpec("Bad_Name", null, "a/../../b.iso"),
            new CdromSpec("e", "media", "a,b.iso")));
    assertThat(String.join("\n", violations(spec)))
        .contains("spec.cdroms: at most 4 CD-ROMs, got 5")
        .contains("spec.cdroms[0].name: 'root' is a disk's name too")
        .contains("spec.cdroms[1].file: '../etc/passwd' is not a path inside the claim")
        .contains("spec.cdroms[2].name: 'cd' is another CD-ROM's name too")
        .contains("spec.cdroms[2].claimName: 'Media' is not a DNS-1123 subdomain")
        .contains("spec.cdroms[2].file: '/abs.iso' is not a path inside the claim")
        .contains("spec.cdroms[3].name: 'Bad_Name' is not a DNS-1123 label")
        .contains("spec.cdroms[3].claimName: is required")
        .contains("spec.cdroms[3].file: 'a/../../b.iso' is not a path inside the claim")
        .contains("spec.cdroms[4].file: 'a,b.iso' is not a path inside the claim");
    assertThat(QemuVMSpecValidator.mediumFile("a/b..c/d.iso")).isTrue();
    assertThat(QemuVMSpecValidator.mediumFile("a/..")).isFalse();
    assertThat(QemuVMSpecValidator.mediumFile("a/")).isFalse();
  }

  @Test
  void theClaimIsBootTimeTheFileIsNotAndNoCdromKeepsTheOldLaunchLine() {
    BootConfig plain = SpecReader.launch(vm(new QemuVMSpec())).boot();
    assertThat(plain.canonical()).isEqualTo("cpus=1;memory=536870912;disks=");
    BootConfig a = SpecReader.launch(vm(withCdrom("a.iso"))).boot();
    assertThat(a.canonical()).isEqualTo("cpus=1;memory=536870912;disks=;cdroms=install@media");
    assertThat(BootConfig.parse(a.canonical())).contains(a);
    assertThat(SpecReader.launch(vm(withCdrom("b.iso"))).boot())
        .as("another medium is no restart")
        .isEqualTo(a);
    assertThat(SpecReader.launch(vm(withCdrom(null))).boot()).isEqualTo(a);
    var otherClaim = withCdrom("a.iso");
    otherClaim.getCdroms().get(0).setClaimName("media2");
    assertThat(a.changesTo(SpecReader.launch(vm(otherClaim)).boot()))
        .extracting(Object::toString)
        .containsExactly("spec.cdroms [install@media] → [install@media2]");
    assertThat(plain.changesTo(a)).extracting(c -> c.path()).containsExactly("spec.cdroms");
  }

  @Test
  void theClaimIsMountedReadOnlyIntoQemuOnlyAndQemuGetsAnEmptyScsiCd() {
    Pod pod = new VmPod(OperatorConfig.defaults()).desired(vm(withCdrom("a.iso")));
    var volume =
        pod.getSpec().getVolumes().stream()
            .filter(v -> v.getName().equals("cdrom-install"))
            .findFirst()
            .orElseThrow();
    assertThat(volume.getPersistentVolumeClaim().getClaimName()).isEqualTo("media");
    assertThat(volume.getPersistentVolumeClaim().getReadOnly()).isTrue();
    Container qemu = pod.getSpec().getContainers().get(0);
    assertThat(qemu.getVolumeMounts())
        .filteredOn(m -> m.getName().equals("cdrom-install"))
        .singleElement()
        .satisfies(
            m -> {
              assertThat(m.getMountPath()).isEqualTo("/var/lib/qemu-operator/cdroms/install");
              assertThat(m.getReadOnly()).isTrue();
            });
    assertThat(pod.getSpec().getContainers().get(1).getVolumeMounts())
        .noneMatch(m -> m.getName().startsWith("cdrom"));

    String script = qemu.getCommand().get(2);
    assertThat(script)
        .contains(
            "mkdir -p /run/qmp/media\n"
                + "ln -sfn /var/lib/qemu-operator/cdroms/install /run/qmp/media/install\n"
                + "cd /run/qmp/media\n")
        .contains(
            "-device virtio-scsi-pci,id=scsi_cdroms"
                + " -drive if=none,id=install,media=cdrom,readonly=on"
                + " -device scsi-cd,drive=install,bus=scsi_cdroms.0,id=install-cd")
        .as("the medium goes in over QMP, never on the command line")
        .doesNotContain("a.iso");
    assertThat(CdromMedia.WORKDIR.startsWith(VmResources.QMP_DIR)).isTrue();
    Pod plain = new VmPod(OperatorConfig.defaults()).desired(vm(new QemuVMSpec()));
    assertThat(plain.getSpec().getContainers().get(0).getCommand().get(2))
        .doesNotContain("scsi", "cdrom", "/run/qmp/media");
  }

  private static ObservedVm observed(QemuVM vm, Optional<String> qemuFile) {
    return new ObservedVm(
        "running",
        OptionalLong.empty(),
        Map.of(),
        OptionalLong.empty(),
        OptionalLong.empty(),
        Optional.of(SpecReader.launch(vm)),
        Map.of(),
        "1001",
        Map.of(),
        Map.of("install", new CdromMedia.Medium(qemuFile, Optional.of(false), false)));
  }

  private static List<QmpAction> plan(String file, Optional<String> qemuFile) {
    QemuVM vm = vm(withCdrom(file));
    DesiredVm desired = SpecReader.desired(vm);
    Plan plan = new Planner().plan(desired, observed(vm, qemuFile), PriorIntent.none(), NOW);
    assertThat(plan.restart()).isEmpty();
    return plan.actions();
  }

  @Test
  void theMediumFollowsTheSpecOnceChangeOrEject() {
    assertThat(plan("a.iso", Optional.empty()))
        .containsExactly(
            new QmpAction.Change(new ChangeArguments("install", "install/a.iso", "raw")));
    assertThat(plan("b.iso", Optional.of("install/a.iso")))
        .containsExactly(
            new QmpAction.Change(new ChangeArguments("install", "install/b.iso", "raw")));
    assertThat(plan(null, Optional.of("install/a.iso")))
        .containsExactly(new QmpAction.Eject(new EjectArguments("install", true)));
    assertThat(plan("a.iso", Optional.of("install/a.iso"))).as("QEMU has it: nothing").isEmpty();
    assertThat(plan("a.iso", Optional.of("/run/qmp/media/install/a.iso")))
        .as("QEMU's path made absolute is the same medium")
        .isEmpty();
    assertThat(plan(null, Optional.empty())).as("already empty: nothing").isEmpty();
  }

  @Test
  void aCdromQemuDoesNotHaveYetGetsNoCommand() {
    QemuVM vm = vm(withCdrom("a.iso"));
    var observed =
        new ObservedVm(
            "running",
            OptionalLong.empty(),
            Map.of(),
            OptionalLong.empty(),
            OptionalLong.empty(),
            Optional.of(SpecReader.launch(vm)),
            Map.of(),
            "1001",
            Map.of(),
            Map.of());
    assertThat(
            new Planner().plan(SpecReader.desired(vm), observed, PriorIntent.none(), NOW).actions())
        .isEmpty();
  }

  @Test
  void statusNamesTheMediumRelativeToTheClaim() {
    assertThat(CdromMedia.relative("install", "install/a/b.iso")).isEqualTo("a/b.iso");
    assertThat(CdromMedia.relative("install", "/tmp/pod/qmp/media/install/b.iso"))
        .isEqualTo("b.iso");
    assertThat(CdromMedia.relative("install", "/elsewhere/b.iso")).isEqualTo("/elsewhere/b.iso");
  }
}
