package io.qemuoperator.operator.validation;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Quantity;
import io.qemuoperator.api.v1alpha1.spec.DiskSource;
import io.qemuoperator.api.v1alpha1.spec.DiskSpec;
import io.qemuoperator.api.v1alpha1.spec.IoLimitsSpec;
import io.qemuoperator.api.v1alpha1.spec.LinkState;
import io.qemuoperator.api.v1alpha1.spec.MigrationSpec;
import io.qemuoperator.api.v1alpha1.spec.NetworkSpec;
import io.qemuoperator.api.v1alpha1.spec.QemuVMSpec;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class QemuVMSpecValidatorTest {

  private final QemuVMSpecValidator validator = new QemuVMSpecValidator();

  /** A spec that breaks no rule: every case below changes one thing in it. */
  static QemuVMSpec valid() {
    QemuVMSpec spec = new QemuVMSpec();
    spec.setCpus(2);
    spec.setMemory(new Quantity("1Gi"));
    spec.setBalloon(new Quantity("768Mi"));
    DiskSpec root = new DiskSpec("root", new Quantity("10Gi"));
    root.setStorageClassName("standard");
    spec.setDisks(new ArrayList<>(List.of(root, new DiskSpec("data-1", new Quantity("1G")))));
    spec.setMigration(new MigrationSpec(new Quantity("32Mi"), "300ms"));
    return spec;
  }

  @Test
  void validSpecAndDefaultsPass() {
    assertThat(validator.validate(valid())).isEmpty();
    assertThat(validator.validate(new QemuVMSpec())).isEmpty();
    assertThat(validator.validate(null)).isEmpty();
  }

  static Stream<Arguments> accepted() {
    return Stream.<Consumer<QemuVMSpec>>of(
            s -> s.setCpus(1),
            s -> s.setCpus(64),
            s -> s.setCpus(null),
            s -> s.setMemory(new Quantity("1073741824")),
            s -> s.setMemory(new Quantity("1.5Gi")),
            s -> s.setMemory(new Quantity("2e9")),
            s -> s.setBalloon(new Quantity("1Gi")), // equal to memory
            s -> s.setBalloon(new Quantity("1024Mi")),
            s -> s.setBalloon(null),
            s -> s.setDisks(null),
            s -> s.getDisks().get(0).setName("a"),
            s -> s.getDisks().get(0).setName("x".repeat(63)),
            s -> s.getDisks().get(0).setStorageClassName("fast.ssd.example.com"),
            s -> s.getMigration().setMaxDowntime("2s"),
            s -> s.getMigration().setMaxDowntime("0.5s"),
            s -> s.setMigration(new MigrationSpec()),
            s -> s.setTerminationGracePeriodSeconds(0L),
            s -> s.setTerminationGracePeriodSeconds(3600L),
            s -> s.getDisks().get(0).setIoLimits(limits(l -> l.setReadBytesPerSec(q("4Mi")))),
            s ->
                s.getDisks()
                    .get(0)
                    .setIoLimits(
                        limits(
                            l -> {
                              l.setReadBytesPerSec(q("4Mi"));
                              l.setWriteBytesPerSec(q("1M"));
                              l.setTotalIopsPerSec(100L);
                            })),
            s -> s.getDisks().get(0).setIoLimits(limits(l -> l.setTotalBytesPerSec(q("1P")))),
            s -> s.setNetwork(new NetworkSpec(LinkState.Down)))
        .map(Arguments::of);
  }

  @ParameterizedTest
  @MethodSource
  void accepted(Consumer<QemuVMSpec> change) {
    QemuVMSpec spec = valid();
    change.accept(spec);
    assertThat(validator.validate(spec)).as(spec.toString()).isEmpty();
  }

  static Stream<Arguments> rejected() {
    return Stream.of(
        rejects("cpus 0", s -> s.setCpus(0), "spec.cpus", "between 1 and 64"),
        rejects("cpus 65", s -> s.setCpus(65), "spec.cpus", "between 1 and 64"),
        rejects(
            "memory not a quantity",
            s -> s.setMemory(new Quantity("lots")),
            "spec.memory",
            "not a quantity"),
        rejects(
            "memory with a bad suffix",
            s -> s.setMemory(new Quantity("1GB")),
            "spec.memory",
            "not a quantity"),
        rejects(
            "memory zero", s -> s.setMemory(new Quantity("0")), "spec.memory", "greater than zero"),
        rejects(
            "memory negative",
            s -> s.setMemory(new Quantity("-1Gi")),
            "spec.memory",
            "greater than zero"),
        rejects(
            "balloon above memory",
            s -> s.setBalloon(new Quantity("1025Mi")),
            "spec.balloon",
            "must not exceed memory"),
        rejects(
            "balloon zero",
            s -> s.setBalloon(new Quantity("0Mi")),
            "spec.balloon",
            "greater than zero"),
        rejects(
            "balloon not a quantity",
            s -> s.setBalloon(new Quantity("half")),
            "spec.balloon",
            "not a quantity"),
        rejects(
            "duplicate disk names",
            s -> s.getDisks().get(1).setName("root"),
            "spec.disks[1].name",
            "duplicate disk name 'root'"),
        rejects(
            "upper-case disk name",
            s -> s.getDisks().get(0).setName("Root"),
            "spec.disks[0].name",
            "DNS-1123 label"),
        rejects(
            "disk name ending in '-'",
            s -> s.getDisks().get(0).setName("root-"),
            "spec.disks[0].name",
            "DNS-1123 label"),
        rejects(
            "disk name with a dot",
            s -> s.getDisks().get(0).setName("root.img"),
            "spec.disks[0].name",
            "DNS-1123 label"),
        rejects(
            "disk name of 64 characters",
            s -> s.getDisks().get(0).setName("x".repeat(64)),
            "spec.disks[0].name",
            "DNS-1123 label"),
        rejects(
            "disk without name",
            s -> s.getDisks().get(0).setName(null),
            "spec.disks[0].name",
            "required"),
        rejects(
            "disk without size",
            s -> s.getDisks().get(1).setSize(null),
            "spec.disks[1].size",
            "required"),
        rejects(
            "disk size zero",
            s -> s.getDisks().get(1).setSize(new Quantity("0Gi")),
            "spec.disks[1].size",
            "greater than zero"),
        rejects(
            "disk size not a quantity",
            s -> s.getDisks().get(1).setSize(new Quantity("10 GiB")),
            "spec.disks[1].size",
            "not a quantity"),
        rejects(
            "bad storage class",
            s -> s.getDisks().get(0).setStorageClassName("Fast_SSD"),
            "spec.disks[0].storageClassName",
            "DNS-1123 subdomain"),
        rejects(
            "17 disks",
            s -> {
              List<DiskSpec> disks = new ArrayList<>();
              for (int i = 0; i < 17; i++) {
                disks.add(new DiskSpec("d" + i, new Quantity("1Gi")));
              }
              s.setDisks(disks);
            },
            "spec.disks",
            "at most 16"),
        rejects(
            "maxBandwidth zero",
            s -> s.getMigration().setMaxBandwidth(new Quantity("0")),
            "spec.migration.maxBandwidth",
            "greater than zero"),
        rejects(
            "maxDowntime without unit",
            s -> s.getMigration().setMaxDowntime("300"),
            "spec.migration.maxDowntime",
            "not a duration"),
        rejects(
            "maxDowntime in minutes",
            s -> s.getMigration().setMaxDowntime("1m"),
            "spec.migration.maxDowntime",
            "not a duration"),
        rejects(
            "maxDowntime negative",
            s -> s.getMigration().setMaxDowntime("-300ms"),
            "spec.migration.maxDowntime",
            "not a duration"),
        rejects(
            "completionTimeout in hours",
            s -> s.getMigration().setCompletionTimeout("1h"),
            "spec.migration.completionTimeout",
            "not a whole number of s or m"),
        rejects(
            "completionTimeout fractional",
            s -> s.getMigration().setCompletionTimeout("1.5m"),
            "spec.migration.completionTimeout",
            "not a whole number of s or m"),
        rejects(
            "total and read bytes together",
            s ->
                s.getDisks()
                    .get(0)
                    .setIoLimits(
                        limits(
                            l -> {
                              l.setTotalBytesPerSec(q("8Mi"));
                              l.setReadBytesPerSec(q("4Mi"));
                            })),
            "spec.disks[0].ioLimits.totalBytesPerSec",
            "cannot be combined with readBytesPerSec"),
        rejects(
            "total and write IOPS together",
            s ->
                s.getDisks()
                    .get(1)
                    .setIoLimits(
                        limits(
                            l -> {
                              l.setTotalIopsPerSec(100L);
                              l.setWriteIopsPerSec(50L);
                            })),
            "spec.disks[1].ioLimits.totalIopsPerSec",
            "cannot be combined with readIopsPerSec or writeIopsPerSec"),
        rejects(
            "bytes limit zero",
            s -> s.getDisks().get(0).setIoLimits(limits(l -> l.setReadBytesPerSec(q("0")))),
            "spec.disks[0].ioLimits.readBytesPerSec",
            "greater than zero"),
        rejects(
            "bytes limit above QEMU's largest",
            s -> s.getDisks().get(0).setIoLimits(limits(l -> l.setWriteBytesPerSec(q("2P")))),
            "spec.disks[0].ioLimits.writeBytesPerSec",
            "at most 10^15"),
        rejects(
            "IOPS limit zero",
            s -> s.getDisks().get(0).setIoLimits(limits(l -> l.setReadIopsPerSec(0L))),
            "spec.disks[0].ioLimits.readIopsPerSec",
            "between 1 and 10^15"),
        rejects(
            "grace period negative",
            s -> s.setTerminationGracePeriodSeconds(-1L),
            "spec.terminationGracePeriodSeconds",
            "between 0 and 3600"));
  }

  private static IoLimitsSpec limits(Consumer<IoLimitsSpec> set) {
    var limits = new IoLimitsSpec();
    set.accept(limits);
    return limits;
  }

  private static Quantity q(String text) {
    return new Quantity(text);
  }

  private static Arguments rejects(
      String name, Consumer<QemuVMSpec> change, String field, String message) {
    return Arguments.of(name, change, field, message);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource
  void rejected(String name, Consumer<QemuVMSpec> change, String field, String message) {
    QemuVMSpec spec = valid();
    change.accept(spec);
    List<Violation> violations = validator.validate(spec);
    assertThat(violations).as(name).hasSize(1);
    assertThat(violations.get(0).field()).isEqualTo(field);
    assertThat(violations.get(0).message()).contains(message);
  }

  @Test
  void aDiskSourceIsExactlyOneOfUrlAndClaimAndSha256GoesWithUrl() {
    String sha = "ab".repeat(32);
    assertThat(withSource(DiskSource.url("https://images.example/debian.qcow2", sha))).isEmpty();
    assertThat(withSource(DiskSource.url("file:///srv/images/guest.qcow2", null))).isEmpty();
    assertThat(withSource(DiskSource.claim("golden-root"))).isEmpty();

    var both = DiskSource.url("http://x/y.img", null);
    both.setClaimName("golden-root");
    assertThat(withSource(both))
        .extracting(Violation::toString)
        .containsExactly(
            "spec.disks[0].source: a disk's source is exactly one of url or claimName");
    assertThat(withSource(new DiskSource()))
        .extracting(Violation::toString)
        .containsExactly(
            "spec.disks[0].source: a disk's source is exactly one of url or claimName");
    var shaAlone = DiskSource.claim("golden-root");
    shaAlone.setSha256(sha);
    assertThat(withSource(shaAlone))
        .extracting(Violation::field)
        .containsExactly("spec.disks[0].source.sha256");
    assertThat(withSource(DiskSource.url("ftp://x/y.img", null)))
        .extracting(Violation::field)
        .containsExactly("spec.disks[0].source.url");
    assertThat(withSource(DiskSource.url("http://x/y.img", "ABC")))
        .extracting(Violation::field)
        .containsExactly("spec.disks[0].source.sha256");
    assertThat(withSource(DiskSource.claim("Not_A_Claim")))
        .extracting(Violation::field)
        .containsExactly("spec.disks[0].source.claimName");
  }

  @Test
  void bootOrdersAreUniqueAndMachineTypesAreQ35() {
    QemuVMSpec spec = valid();
    spec.getDisks().get(0).setBootOrder(2);
    spec.getDisks().get(1).setBootOrder(1);
    spec.setMachine("pc-q35-7.2");
    assertThat(validator.validate(spec)).isEmpty();

    spec.getDisks().get(1).setBootOrder(2);
    spec.setMachine("pc-i440fx-7.2");
    assertThat(validator.validate(spec))
        .extracting(Violation::field)
        .containsExactlyInAnyOrder("spec.disks[1].bootOrder", "spec.machine");
    spec.getDisks().get(1).setBootOrder(0);
    spec.setMachine("q35");
    assertThat(validator.validate(spec))
        .extracting(Violation::field)
        .containsExactly("spec.disks[1].bootOrder");
  }

  private List<Violation> withSource(DiskSource source) {
    QemuVMSpec spec = valid();
    spec.getDisks().get(0).setSource(source);
    return validator.validate(spec);
  }

  @Test
  void everyViolationIsReportedNotJustTheFirst() {
    QemuVMSpec spec = valid();
    spec.setCpus(0);
    spec.getDisks().get(0).setName("BAD");
    spec.getMigration().setMaxDowntime("soon");
    assertThat(validator.validate(spec))
        .extracting(Violation::field)
        .containsExactly("spec.cpus", "spec.disks[0].name", "spec.migration.maxDowntime");
  }

  @Test
  void balloonIsComparedByValueNotText() {
    QemuVMSpec spec = valid();
    spec.setMemory(new Quantity("1G")); // 1,000,000,000 bytes
    spec.setBalloon(new Quantity("1Gi")); // 1,073,741,824 bytes: more, though "1G" sorts later
    assertThat(validator.validate(spec))
        .containsExactly(new Violation("spec.balloon", "must not exceed memory (1Gi > 1G)"));
  }

  static Stream<Arguments> transitions() {
    return Stream.of(
        Arguments.of("10Gi", "10Gi", true),
        Arguments.of("10Gi", "20Gi", true),
        Arguments.of("10Gi", "10240Mi", true), // same size, other unit
        Arguments.of("10Gi", "10G", false), // 10G < 10Gi
        Arguments.of("10Gi", "5Gi", false),
        Arguments.of("10Gi", "10737418239", false)); // one byte less
  }

  @ParameterizedTest(name = "{0} -> {1} allowed: {2}")
  @MethodSource
  void transitions(String before, String after, boolean allowed) {
    QemuVMSpec oldSpec = valid();
    oldSpec.getDisks().get(0).setSize(new Quantity(before));
    QemuVMSpec newSpec = valid();
    newSpec.getDisks().get(0).setSize(new Quantity(after));
    List<Violation> violations = validator.validateTransition(oldSpec, newSpec);
    if (allowed) {
      assertThat(violations).isEmpty();
    } else {
      assertThat(violations).hasSize(1);
      assertThat(violations.get(0).field()).isEqualTo("spec.disks[0].size");
      assertThat(violations.get(0).message()).contains("'root' must not shrink");
    }
  }

  @Test
  void shrinkIsMatchedByNameNotPosition() {
    QemuVMSpec oldSpec = valid(); // root 10Gi, data-1 1G
    QemuVMSpec newSpec = valid();
    // reordered, a new disk added, root grown, data-1 shrunk
    newSpec.setDisks(
        List.of(
            new DiskSpec("new", new Quantity("1Mi")),
            new DiskSpec("data-1", new Quantity("999M")),
            new DiskSpec("root", new Quantity("11Gi"))));
    assertThat(validator.validateTransition(oldSpec, newSpec))
        .containsExactly(
            new Violation(
                "spec.disks[1].size",
                "disk 'data-1' must not shrink (from 1000000000 to 999000000 bytes)"));
  }

  @Test
  void removingADiskOrAnInvalidSizeIsNotAShrink() {
    QemuVMSpec oldSpec = valid();
    QemuVMSpec removed = valid();
    removed.setDisks(List.of(new DiskSpec("root", new Quantity("10Gi"))));
    assertThat(validator.validateTransition(oldSpec, removed)).isEmpty();
    QemuVMSpec invalid = valid();
    invalid.getDisks().get(0).setSize(new Quantity("tiny"));
    assertThat(validator.validateTransition(oldSpec, invalid)).isEmpty();
    assertThat(validator.validate(invalid))
        .extracting(Violation::field)
        .contains("spec.disks[0].size");
    assertThat(validator.validateTransition(null, oldSpec)).isEmpty();
  }

  @Test
  void bytesReadsKubernetesQuantities() {
    assertThat(QemuVMSpecValidator.bytes(new Quantity("512Mi")).orElseThrow())
        .isEqualByComparingTo(new BigDecimal(536870912));
    assertThat(QemuVMSpecValidator.bytes(new Quantity("1k")).orElseThrow())
        .isEqualByComparingTo("1000");
    assertThat(QemuVMSpecValidator.bytes(new Quantity("1.5Ki")).orElseThrow())
        .isEqualByComparingTo("1536");
    assertThat(QemuVMSpecValidator.bytes(new Quantity("3e3")).orElseThrow())
        .isEqualByComparingTo("3000");
    assertThat(QemuVMSpecValidator.bytes(new Quantity("500m")).orElseThrow())
        .isEqualByComparingTo("0.5");
    assertThat(QemuVMSpecValidator.bytes(new Quantity("1 Gi"))).isEmpty();
    assertThat(QemuVMSpecValidator.bytes(new Quantity("Gi"))).isEmpty();
    assertThat(QemuVMSpecValidator.bytes(null)).isEmpty();
  }
}
