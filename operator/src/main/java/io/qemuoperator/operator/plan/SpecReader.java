package io.qemuoperator.operator.plan;

import io.fabric8.kubernetes.api.model.Quantity;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.api.v1alpha1.QemuVMApi;
import io.qemuoperator.api.v1alpha1.spec.CdromSpec;
import io.qemuoperator.api.v1alpha1.spec.CloudInitSpec;
import io.qemuoperator.api.v1alpha1.spec.DiskSpec;
import io.qemuoperator.api.v1alpha1.spec.LinkState;
import io.qemuoperator.api.v1alpha1.spec.MigrationSpec;
import io.qemuoperator.api.v1alpha1.spec.PortProtocol;
import io.qemuoperator.api.v1alpha1.spec.PortSpec;
import io.qemuoperator.api.v1alpha1.spec.QemuVMSpec;
import io.qemuoperator.api.v1alpha1.spec.ReadinessProbeSpec;
import io.qemuoperator.api.v1alpha1.spec.UpdateStrategy;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.OptionalLong;

/**
 * Reads a QemuVM's spec in QEMU's units, with the CRD's defaults applied where a field is absent
 * (the mock API server and old API servers do not default). Call it only on a spec that passed
 * validation.
 */
public final class SpecReader {
  private SpecReader() {}

  public static DesiredVm desired(QemuVM vm) {
    QemuVMSpec spec = spec(vm);
    var disks = new LinkedHashMap<String, Long>();
    var ioLimits = new LinkedHashMap<String, IoLimits>();
    for (DiskSpec disk : disks(spec)) {
      if (userClaim(disk).isEmpty()) { // a user's claim is used as is: never grown
        disks.put(disk.getName(), bytes(disk.getSize()));
      }
      ioLimits.put(disk.getName(), IoLimits.of(disk.getIoLimits()));
    }
    var cdromFiles = new LinkedHashMap<String, java.util.Optional<String>>();
    for (CdromSpec cdrom : cdroms(spec)) {
      cdromFiles.put(cdrom.getName(), java.util.Optional.ofNullable(cdrom.getFile()));
    }
    MigrationSpec migration = spec.getMigration();
    return new DesiredVm(
        spec.getRunning() == null || spec.getRunning(),
        spec.getPaused() != null && spec.getPaused(),
        memoryBytes(spec),
        spec.getBalloon() == null
            ? OptionalLong.empty()
            : OptionalLong.of(bytes(spec.getBalloon())),
        disks,
        migration == null || migration.getMaxBandwidth() == null
            ? OptionalLong.empty()
            : OptionalLong.of(bytes(migration.getMaxBandwidth())),
        migration == null || migration.getMaxDowntime() == null
            ? OptionalLong.empty()
            : OptionalLong.of(downtimeMillis(migration.getMaxDowntime())),
        Duration.ofSeconds(
            spec.getTerminationGracePeriodSeconds() == null
                ? QemuVMSpec.DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS
                : spec.getTerminationGracePeriodSeconds()),
        launch(vm),
        spec.getUpdateStrategy() == null ? UpdateStrategy.Automatic : spec.getUpdateStrategy(),
        ioLimits,
        link(spec),
        cdromFiles);
  }

  /** The NIC's declared link state; up when unset. */
  public static LinkState link(QemuVMSpec spec) {
    return spec.getNetwork() == null || spec.getNetwork().getLink() == null
        ? LinkState.Up
        : spec.getNetwork().getLink();
  }

  /** What a QEMU started now would be launched for: the boot-time fields, the restart request. */
  public static Launch launch(QemuVM vm) {
    QemuVMSpec spec = spec(vm);
    List<String> bootOrder =
        disks(spec).stream()
            .filter(disk -> disk.getBootOrder() != null)
            .sorted(java.util.Comparator.comparing(DiskSpec::getBootOrder))
            .map(DiskSpec::getName)
            .toList();
    List<String> diskNames = disks(spec).stream().map(DiskSpec::getName).toList();
    var boot =
        new BootConfig(
            spec.getCpus() == null ? QemuVMSpec.DEFAULT_CPUS : spec.getCpus(),
            BootConfig.wholeMebibytes(memoryBytes(spec)),
            disks(spec).stream()
                .map(
                    disk ->
                        BootConfig.disk(
                            disk.getName(),
                            userClaim(disk),
                            imageUrl(disk)
                                .map(
                                    url ->
                                        url
                                            + " "
                                            + java.util.Objects.requireNonNullElse(
                                                disk.getSource().getSha256(), ""))))
                .toList(),
            bootOrder.isEmpty() ? BootConfig.defaultBootOrder(diskNames) : bootOrder,
            spec.getFirmware() == null ? BootConfig.BIOS : spec.getFirmware().name(),
            spec.getMachine() == null ? "" : spec.getMachine(),
            cloudInitDigest(spec.getCloudInit()),
            ports(spec).stream()
                .map(p -> p.getName() + ":" + p.getPort() + "/" + protocol(p))
                .collect(java.util.stream.Collectors.joining(",")),
            readiness(spec)
                .map(
                    probe ->
                        probe.getPort()
                            + "/"
                            + periodSeconds(probe)
                            + "/"
                            + failureThreshold(probe)
                            + "/"
                            + shortDigest(path(probe)))
                .orElse(""),
            Boolean.TRUE.equals(spec.getGuestAgent()),
            spec.getAccelerator() == null ? "" : spec.getAccelerator().name(),
            cdroms(spec).stream()
                .map(c -> c.getName() + "@" + c.getClaimName())
                .collect(java.util.stream.Collectors.joining(",")));
    var annotations = vm.getMetadata().getAnnotations();
    return new Launch(
        boot, annotations == null ? "" : annotations.get(QemuVMApi.RESTARTED_AT_ANNOTATION));
  }

  /** {@link #desired} where the spec can be read; otherwise the CRD's defaults (invalid spec). */
  public static DesiredVm desiredOrDefaults(QemuVM vm) {
    try {
      return desired(vm);
    } catch (RuntimeException unreadable) {
      return new DesiredVm(
          true,
          false,
          bytes(new Quantity(QemuVMSpec.DEFAULT_MEMORY)),
          OptionalLong.empty(),
          java.util.Map.of(),
          OptionalLong.empty(),
          OptionalLong.empty(),
          Duration.ofSeconds(QemuVMSpec.DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS),
          new Launch(
              new BootConfig(
                  QemuVMSpec.DEFAULT_CPUS,
                  bytes(new Quantity(QemuVMSpec.DEFAULT_MEMORY)),
                  java.util.List.of()),
              ""),
          UpdateStrategy.Automatic,
          java.util.Map.of(),
          LinkState.Up,
          java.util.Map.of());
    }
  }

  /** The spec as it applies while the QemuVM is deleted: powered down, with its grace period. */
  public static DesiredVm stopped(QemuVM vm) {
    return desiredOrDefaults(vm).stopped();
  }

  public static long memoryBytes(QemuVMSpec spec) {
    return bytes(
        spec.getMemory() == null ? new Quantity(QemuVMSpec.DEFAULT_MEMORY) : spec.getMemory());
  }

  public static QemuVMSpec spec(QemuVM vm) {
    return vm.getSpec() == null ? new QemuVMSpec() : vm.getSpec();
  }

  public static List<PortSpec> ports(QemuVMSpec spec) {
    return spec.getPorts() == null ? List.of() : spec.getPorts();
  }

  public static PortProtocol protocol(PortSpec port) {
    return port.getProtocol() == null ? PortProtocol.TCP : port.getProtocol();
  }

  public static java.util.Optional<ReadinessProbeSpec> readiness(QemuVMSpec spec) {
    return java.util.Optional.ofNullable(spec.getReadinessProbe());
  }

  public static String path(ReadinessProbeSpec probe) {
    return probe.getPath() == null ? "/" : probe.getPath();
  }

  public static int periodSeconds(ReadinessProbeSpec probe) {
    return probe.getPeriodSeconds() == null ? 5 : probe.getPeriodSeconds();
  }

  public static int failureThreshold(ReadinessProbeSpec probe) {
    return probe.getFailureThreshold() == null ? 2 : probe.getFailureThreshold();
  }

  /**
   * A short digest of what the seed is built from (inline data, Secret names and keys), empty
   * without a seed: a changed declaration is a changed launch. A changed Secret is not: its data is
   * read when QEMU starts.
   */
  static String cloudInitDigest(CloudInitSpec cloudInit) {
    if (cloudInit == null) {
      return "";
    }
    String text =
        String.join(
            "\n",
            "userData=" + cloudInit.getUserData(),
            "userDataSecretRef=" + cloudInit.getUserDataSecretRef(),
            "networkData=" + cloudInit.getNetworkData(),
            "networkDataSecretRef=" + cloudInit.getNetworkDataSecretRef());
    return shortDigest(text);
  }

  /** 12 hex digits of the SHA-256 of {@code text}: a part of the launch line without its text. */
  static String shortDigest(String text) {
    try {
      byte[] digest =
          java.security.MessageDigest.getInstance("SHA-256")
              .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return java.util.HexFormat.of().formatHex(digest, 0, 6);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  public static List<CdromSpec> cdroms(QemuVMSpec spec) {
    return spec.getCdroms() == null ? List.of() : spec.getCdroms();
  }

  public static List<DiskSpec> disks(QemuVMSpec spec) {
    return spec.getDisks() == null ? List.of() : spec.getDisks();
  }

  /** The claim the user owns that holds {@code disk}, when its source is one. */
  public static java.util.Optional<String> userClaim(DiskSpec disk) {
    return java.util.Optional.ofNullable(disk.getSource())
        .map(io.qemuoperator.api.v1alpha1.spec.DiskSource::getClaimName);
  }

  /** The URL of the image {@code disk} is imported from, when its source is one. */
  public static java.util.Optional<String> imageUrl(DiskSpec disk) {
    return java.util.Optional.ofNullable(disk.getSource())
        .map(io.qemuoperator.api.v1alpha1.spec.DiskSource::getUrl);
  }

  /** A quantity of bytes (as the validator reads quantities), rounded up to a whole byte. */
  public static long bytes(Quantity quantity) {
    return io.qemuoperator.operator.validation.QemuVMSpecValidator.bytes(quantity)
        .orElseThrow(() -> new IllegalArgumentException("not a quantity: " + quantity))
        .setScale(0, RoundingMode.CEILING)
        .longValueExact();
  }

  /** {@code 300ms}, {@code 2s}, {@code 0.5s} (the CRD's pattern) in whole milliseconds. */
  public static long downtimeMillis(String text) {
    boolean millis = text.endsWith("ms");
    var number = new BigDecimal(text.substring(0, text.length() - (millis ? 2 : 1)));
    return (millis ? number : number.movePointRight(3))
        .setScale(0, RoundingMode.HALF_UP)
        .longValueExact();
  }
}
