package io.qemuoperator.operator.validation;

import io.fabric8.kubernetes.api.model.Quantity;
import io.qemuoperator.api.v1alpha1.spec.CdromSpec;
import io.qemuoperator.api.v1alpha1.spec.CloudInitSpec;
import io.qemuoperator.api.v1alpha1.spec.DiskSource;
import io.qemuoperator.api.v1alpha1.spec.DiskSpec;
import io.qemuoperator.api.v1alpha1.spec.IoLimitsSpec;
import io.qemuoperator.api.v1alpha1.spec.MigrationSpec;
import io.qemuoperator.api.v1alpha1.spec.PortProtocol;
import io.qemuoperator.api.v1alpha1.spec.PortSpec;
import io.qemuoperator.api.v1alpha1.spec.QemuVMSpec;
import io.qemuoperator.api.v1alpha1.spec.ReadinessProbeSpec;
import io.qemuoperator.api.v1alpha1.spec.SecretKeyRef;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The CRD's validation rules (OpenAPI and CEL) again, in Java. An API server enforces them on
 * admission, but Fabric8's mock server and API servers before 1.29 (no CEL quantity library) do
 * not: the operator runs these checks before acting and reports violations in a condition.
 *
 * <p>Null fields are not violations: they take their defaults.
 */
public final class QemuVMSpecValidator {

  /** Kubernetes' quantity grammar: a signed decimal number and an optional suffix or exponent. */
  private static final Pattern QUANTITY =
      Pattern.compile(
          "^[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([KMGTPE]i|[numkMGTPE]|[eE][+-]?[0-9]+)?$");

  private static final Pattern MEDIUM_FILE = Pattern.compile(CdromSpec.FILE_PATTERN);
  private static final Pattern DISK_NAME = Pattern.compile(DiskSpec.NAME_PATTERN);
  private static final Pattern MACHINE = Pattern.compile(QemuVMSpec.MACHINE_PATTERN);
  private static final Pattern SOURCE_URL = Pattern.compile(DiskSource.URL_PATTERN);
  private static final Pattern SHA256 = Pattern.compile(DiskSource.SHA256_PATTERN);
  private static final Pattern STORAGE_CLASS_NAME =
      Pattern.compile(DiskSpec.STORAGE_CLASS_NAME_PATTERN);
  private static final Pattern DURATION = Pattern.compile(MigrationSpec.DURATION_PATTERN);
  private static final Pattern TIMEOUT = Pattern.compile(MigrationSpec.TIMEOUT_PATTERN);
  private static final Pattern PORT_NAME = Pattern.compile(PortSpec.NAME_PATTERN);
  private static final Pattern SECRET_KEY = Pattern.compile(SecretKeyRef.KEY_PATTERN);

  /** Every rule of {@code spec} that can be checked on one version of it. */
  public List<Violation> validate(QemuVMSpec spec) {
    List<Violation> violations = new ArrayList<>();
    if (spec == null) {
      return violations;
    }
    Integer cpus = spec.getCpus();
    if (cpus != null && (cpus < QemuVMSpec.MIN_CPUS || cpus > QemuVMSpec.MAX_CPUS)) {
      violations.add(
          new Violation(
              "spec.cpus",
              "must be between %d and %d, got %d"
                  .formatted(QemuVMSpec.MIN_CPUS, QemuVMSpec.MAX_CPUS, cpus)));
    }
    Optional<BigDecimal> memory = positiveQuantity("spec.memory", spec.getMemory(), violations);
    Optional<BigDecimal> balloon = positiveQuantity("spec.balloon", spec.getBalloon(), violations);
    if (memory.isPresent() && balloon.isPresent() && balloon.get().compareTo(memory.get()) > 0) {
      violations.add(
          new Violation(
              "spec.balloon",
              "must not exceed memory (%s > %s)".formatted(spec.getBalloon(), spec.getMemory())));
    }
    validateDisks(spec.getDisks(), violations);
    validateCdroms(spec, violations);
    String machine = spec.getMachine();
    if (machine != null && !MACHINE.matcher(machine).matches()) {
      violations.add(
          new Violation(
              "spec.machine",
              "'%s' is not a q35 machine type, e.g. q35 or pc-q35-7.2".formatted(machine)));
    }
    validateMigration(spec.getMigration(), violations);
    validateCloudInit(spec.getCloudInit(), violations);
    validatePorts(spec, violations);
    Long grace = spec.getTerminationGracePeriodSeconds();
    if (grace != null && (grace < 0 || grace > QemuVMSpec.MAX_TERMINATION_GRACE_PERIOD_SECONDS)) {
      violations.add(
          new Violation(
              "spec.terminationGracePeriodSeconds",
              "must be between 0 and %d, got %d"
                  .formatted(QemuVMSpec.MAX_TERMINATION_GRACE_PERIOD_SECONDS, grace)));
    }
    return violations;
  }

  /**
   * The rules that compare a spec with the one it replaces: a disk that keeps its name never
   * shrinks. Disks whose size is not a valid quantity are left to {@link #validate}.
   */
  public List<Violation> validateTransition(QemuVMSpec oldSpec, QemuVMSpec newSpec) {
    List<Violation> violations = new ArrayList<>();
    if (oldSpec == null || newSpec == null) {
      return violations;
    }
    Map<String, BigDecimal> oldSizes = new HashMap<>();
    for (DiskSpec disk : nonNull(oldSpec.getDisks())) {
      if (disk != null && disk.getName() != null) {
        bytes(disk.getSize()).ifPresent(size -> oldSizes.putIfAbsent(disk.getName(), size));
      }
    }
    List<DiskSpec> disks = nonNull(newSpec.getDisks());
    for (int i = 0; i < disks.size(); i++) {
      DiskSpec disk = disks.get(i);
      if (disk == null || !oldSizes.containsKey(disk.getName())) {
        continue;
      }
      BigDecimal before = oldSizes.get(disk.getName());
      Optional<BigDecimal> after = bytes(disk.getSize());
      if (after.isPresent() && after.get().compareTo(before) < 0) {
        violations.add(
            new Violation(
                "spec.disks[%d].size".formatted(i),
                "disk '%s' must not shrink (from %s to %s bytes)"
                    .formatted(
                        disk.getName(), before.toPlainString(), after.get().toPlainString())));
      }
    }
    return violations;
  }

  /**
   * The value of {@code quantity} in base units (bytes for memory and disks), or empty when it is
   * not a Kubernetes quantity.
   */
  public static Optional<BigDecimal> bytes(Quantity quantity) {
    if (quantity == null) {
      return Optional.empty();
    }
    String text = quantity.toString();
    if (text == null || !QUANTITY.matcher(text).matches()) {
      return Optional.empty();
    }
    try {
      return Optional.of(new Quantity(text).getNumericalAmount());
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }

  /** A list longer than the CRD's {@code maxItems}: "at most N things, got M". */
  private static void atMost(
      String path, List<?> items, int max, String things, List<Violation> violations) {
    if (items.size() > max) {
      violations.add(
          new Violation(path, "at most %d %s, got %d".formatted(max, things, items.size())));
    }
  }

  private static void validateDisks(List<DiskSpec> disks, List<Violation> violations) {
    if (disks == null) {
      return;
    }
    atMost("spec.disks", disks, QemuVMSpec.MAX_DISKS, "disks", violations);
    Set<String> seen = new HashSet<>();
    Set<Integer> bootOrders = new HashSet<>();
    for (int i = 0; i < disks.size(); i++) {
      String path = "spec.disks[%d]".formatted(i);
      DiskSpec disk = disks.get(i);
      if (disk == null) {
        violations.add(new Violation(path, "must not be null"));
        continue;
      }
      String name = disk.getName();
      if (name == null || name.isEmpty()) {
        violations.add(new Violation(path + ".name", "is required"));
      } else {
        if (name.length() > DiskSpec.NAME_MAX_LENGTH || !DISK_NAME.matcher(name).matches()) {
          violations.add(
              new Violation(
                  path + ".name",
                  "'%s' is not a DNS-1123 label (lower-case letters, digits and '-', starting and"
                          .formatted(name)
                      + " ending with a letter or digit, at most 63 characters)"));
        }
        if (!seen.add(name)) {
          violations.add(new Violation(path + ".name", "duplicate disk name '%s'".formatted(name)));
        }
      }
      if (disk.getSize() == null) {
        violations.add(new Violation(path + ".size", "is required"));
      } else {
        positiveQuantity(path + ".size", disk.getSize(), violations);
      }
      String storageClass = disk.getStorageClassName();
      if (storageClass != null
          && (storageClass.isEmpty()
              || storageClass.length() > DiskSpec.STORAGE_CLASS_NAME_MAX_LENGTH
              || !STORAGE_CLASS_NAME.matcher(storageClass).matches())) {
        violations.add(
            new Violation(
                path + ".storageClassName",
                "'%s' is not a DNS-1123 subdomain".formatted(storageClass)));
      }
      validateSource(path + ".source", disk.getSource(), violations);
      validateIoLimits(path + ".ioLimits", disk.getIoLimits(), violations);
      Integer bootOrder = disk.getBootOrder();
      if (bootOrder != null) {
        if (bootOrder < 1 || bootOrder > DiskSpec.MAX_BOOT_ORDER) {
          violations.add(
              new Violation(
                  path + ".bootOrder",
                  "must be 1 to %d, got %d".formatted(DiskSpec.MAX_BOOT_ORDER, bootOrder)));
        } else if (!bootOrders.add(bootOrder)) {
          violations.add(
              new Violation(
                  path + ".bootOrder",
                  "bootOrder %d is another disk's too: values must be unique"
                      .formatted(bootOrder)));
        }
      }
    }
  }

  /** The CRD's rules of {@link DiskSource}: exactly one of url and claimName, sha256 with url. */
  private static void validateSource(String path, DiskSource source, List<Violation> violations) {
    if (source == null) {
      return;
    }
    if ((source.getUrl() == null) == (source.getClaimName() == null)) {
      violations.add(new Violation(path, "a disk's source is exactly one of url or claimName"));
    }
    String url = source.getUrl();
    if (url != null
        && (url.length() > DiskSource.URL_MAX_LENGTH || !SOURCE_URL.matcher(url).matches())) {
      violations.add(
          new Violation(
              path + ".url",
              "'%s' is not an http://, https:// or file:// URL (at most %d characters)"
                  .formatted(url, DiskSource.URL_MAX_LENGTH)));
    }
    String sha256 = source.getSha256();
    if (sha256 != null) {
      if (url == null) {
        violations.add(
            new Violation(path + ".sha256", "sha256 checks an image fetched by url: it needs url"));
      }
      if (!SHA256.matcher(sha256).matches()) {
        violations.add(
            new Violation(
                path + ".sha256", "'%s' is not 64 lower-case hex digits".formatted(sha256)));
      }
    }
    String claim = source.getClaimName();
    if (claim != null
        && (claim.isEmpty()
            || claim.length() > DiskSource.CLAIM_NAME_MAX_LENGTH
            || !STORAGE_CLASS_NAME.matcher(claim).matches())) {
      violations.add(
          new Violation(path + ".claimName", "'%s' is not a DNS-1123 subdomain".formatted(claim)));
    }
  }

  /**
   * At most {@link QemuVMSpec#MAX_CDROMS}; names DNS-1123 labels, unique among disks and CD-ROMs; a
   * claim name; a file inside the claim (relative, no {@code ..}, QEMU-safe characters).
   */
  private static void validateCdroms(QemuVMSpec spec, List<Violation> violations) {
    List<CdromSpec> cdroms = spec.getCdroms();
    if (cdroms == null) {
      return;
    }
    atMost("spec.cdroms", cdroms, QemuVMSpec.MAX_CDROMS, "CD-ROMs", violations);
    Set<String> diskNames = new HashSet<>();
    nonNull(spec.getDisks()).stream()
        .filter(java.util.Objects::nonNull)
        .forEach(disk -> diskNames.add(disk.getName()));
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < cdroms.size(); i++) {
      String path = "spec.cdroms[%d]".formatted(i);
      CdromSpec cdrom = cdroms.get(i);
      if (cdrom == null) {
        violations.add(new Violation(path, "must not be null"));
        continue;
      }
      String name = cdrom.getName();
      if (name == null || name.isEmpty()) {
        violations.add(new Violation(path + ".name", "is required"));
      } else if (name.length() > DiskSpec.NAME_MAX_LENGTH || !DISK_NAME.matcher(name).matches()) {
        violations.add(
            new Violation(
                path + ".name",
                "'%s' is not a DNS-1123 label (lower-case letters, digits and '-', starting and"
                        .formatted(name)
                    + " ending with a letter or digit, at most 63 characters)"));
      } else if (!seen.add(name)) {
        violations.add(
            new Violation(path + ".name", "'%s' is another CD-ROM's name too".formatted(name)));
      } else if (diskNames.contains(name)) {
        violations.add(new Violation(path + ".name", "'%s' is a disk's name too".formatted(name)));
      }
      String claim = cdrom.getClaimName();
      if (claim == null || claim.isEmpty()) {
        violations.add(new Violation(path + ".claimName", "is required"));
      } else if (claim.length() > DiskSource.CLAIM_NAME_MAX_LENGTH
          || !STORAGE_CLASS_NAME.matcher(claim).matches()) {
        violations.add(
            new Violation(
                path + ".claimName", "'%s' is not a DNS-1123 subdomain".formatted(claim)));
      }
      String file = cdrom.getFile();
      if (file != null && !mediumFile(file)) {
        violations.add(
            new Violation(
                path + ".file",
                ("'%s' is not a path inside the claim: letters, digits, '.', '_', '+', '-' and"
                        + " '/', not starting with '/' or '.', no '..' segment, no trailing '/',"
                        + " at most %d characters")
                    .formatted(file, CdromSpec.FILE_MAX_LENGTH)));
      }
    }
  }

  /** {@link CdromSpec#FILE_PATTERN} and {@link CdromSpec#FILE_RULE}, as the CRD checks them. */
  public static boolean mediumFile(String file) {
    return !file.isEmpty()
        && file.length() <= CdromSpec.FILE_MAX_LENGTH
        && MEDIUM_FILE.matcher(file).matches()
        && !file.contains("/../")
        && !file.endsWith("/..")
        && !file.endsWith("/");
  }

  /** QEMU's rules for block_set_io_throttle: positive, at most 10^15, no total with read/write. */
  private static void validateIoLimits(
      String path, IoLimitsSpec limits, List<Violation> violations) {
    if (limits == null) {
      return;
    }
    BigDecimal max = BigDecimal.valueOf(IoLimitsSpec.MAX_VALUE);
    for (var bytes :
        List.of(
            Map.entry("totalBytesPerSec", Optional.ofNullable(limits.getTotalBytesPerSec())),
            Map.entry("readBytesPerSec", Optional.ofNullable(limits.getReadBytesPerSec())),
            Map.entry("writeBytesPerSec", Optional.ofNullable(limits.getWriteBytesPerSec())))) {
      String field = path + "." + bytes.getKey();
      positiveQuantity(field, bytes.getValue().orElse(null), violations)
          .filter(value -> value.compareTo(max) > 0)
          .ifPresent(
              value ->
                  violations.add(
                      new Violation(
                          field,
                          "must be at most 10^15 (QEMU's largest limit), got %s"
                              .formatted(bytes.getValue().get()))));
    }
    for (var iops :
        List.of(
            Map.entry("totalIopsPerSec", Optional.ofNullable(limits.getTotalIopsPerSec())),
            Map.entry("readIopsPerSec", Optional.ofNullable(limits.getReadIopsPerSec())),
            Map.entry("writeIopsPerSec", Optional.ofNullable(limits.getWriteIopsPerSec())))) {
      iops.getValue()
          .filter(value -> value < 1 || value > IoLimitsSpec.MAX_VALUE)
          .ifPresent(
              value ->
                  violations.add(
                      new Violation(
                          path + "." + iops.getKey(),
                          "must be between 1 and 10^15, got %d".formatted(value))));
    }
    if (limits.getTotalBytesPerSec() != null
        && (limits.getReadBytesPerSec() != null || limits.getWriteBytesPerSec() != null)) {
      violations.add(
          new Violation(
              path + ".totalBytesPerSec",
              "cannot be combined with readBytesPerSec or writeBytesPerSec (QEMU refuses it)"));
    }
    if (limits.getTotalIopsPerSec() != null
        && (limits.getReadIopsPerSec() != null || limits.getWriteIopsPerSec() != null)) {
      violations.add(
          new Violation(
              path + ".totalIopsPerSec",
              "cannot be combined with readIopsPerSec or writeIopsPerSec (QEMU refuses it)"));
    }
  }

  private static void validateMigration(MigrationSpec migration, List<Violation> violations) {
    if (migration == null) {
      return;
    }
    positiveQuantity("spec.migration.maxBandwidth", migration.getMaxBandwidth(), violations);
    String downtime = migration.getMaxDowntime();
    if (downtime != null && !DURATION.matcher(downtime).matches()) {
      violations.add(
          new Violation(
              "spec.migration.maxDowntime",
              "'%s' is not a duration in ms or s, e.g. 300ms or 0.5s".formatted(downtime)));
    }
    String timeout = migration.getCompletionTimeout();
    if (timeout != null && !TIMEOUT.matcher(timeout).matches()) {
      violations.add(
          new Violation(
              "spec.migration.completionTimeout",
              "'%s' is not a whole number of s or m, e.g. 90s or 10m".formatted(timeout)));
    }
  }

  private static void validateCloudInit(CloudInitSpec cloudInit, List<Violation> violations) {
    if (cloudInit == null) {
      return;
    }
    if (cloudInit.getUserData() != null && cloudInit.getUserDataSecretRef() != null) {
      violations.add(
          new Violation("spec.cloudInit", "userData and userDataSecretRef are mutually exclusive"));
    }
    if (cloudInit.getNetworkData() != null && cloudInit.getNetworkDataSecretRef() != null) {
      violations.add(
          new Violation(
              "spec.cloudInit", "networkData and networkDataSecretRef are mutually exclusive"));
    }
    inlineLength("spec.cloudInit.userData", cloudInit.getUserData(), violations);
    inlineLength("spec.cloudInit.networkData", cloudInit.getNetworkData(), violations);
    secretRef("spec.cloudInit.userDataSecretRef", cloudInit.getUserDataSecretRef(), violations);
    secretRef(
        "spec.cloudInit.networkDataSecretRef", cloudInit.getNetworkDataSecretRef(), violations);
  }

  private static void inlineLength(String field, String text, List<Violation> violations) {
    if (text != null && text.length() > CloudInitSpec.MAX_INLINE_LENGTH) {
      violations.add(
          new Violation(
              field,
              "at most %d characters, got %d (use a Secret)"
                  .formatted(CloudInitSpec.MAX_INLINE_LENGTH, text.length())));
    }
  }

  private static void secretRef(String field, SecretKeyRef ref, List<Violation> violations) {
    if (ref == null) {
      return;
    }
    String name = ref.getName();
    if (name == null || name.isEmpty()) {
      violations.add(new Violation(field + ".name", "is required"));
    } else if (name.length() > DiskSpec.STORAGE_CLASS_NAME_MAX_LENGTH
        || !STORAGE_CLASS_NAME.matcher(name).matches()) {
      violations.add(
          new Violation(field + ".name", "'%s' is not a DNS-1123 subdomain".formatted(name)));
    }
    String key = ref.getKey();
    if (key != null
        && (key.isEmpty() || key.length() > 253 || !SECRET_KEY.matcher(key).matches())) {
      violations.add(
          new Violation(
              field + ".key",
              "'%s' is not a Secret key (letters, digits, '-', '_', '.')".formatted(key)));
    }
  }

  private static void validatePorts(QemuVMSpec spec, List<Violation> violations) {
    List<PortSpec> ports = spec.getPorts() == null ? List.of() : spec.getPorts();
    atMost("spec.ports", ports, QemuVMSpec.MAX_PORTS, "ports", violations);
    Set<String> names = new HashSet<>();
    Set<String> numbers = new HashSet<>();
    Set<String> tcpNames = new HashSet<>();
    for (int i = 0; i < ports.size(); i++) {
      String path = "spec.ports[%d]".formatted(i);
      PortSpec port = ports.get(i);
      if (port == null) {
        violations.add(new Violation(path, "must not be null"));
        continue;
      }
      String name = port.getName();
      if (name == null || name.isEmpty()) {
        violations.add(new Violation(path + ".name", "is required"));
      } else {
        if (name.length() > PortSpec.NAME_MAX_LENGTH
            || !PORT_NAME.matcher(name).matches()
            || !name.matches(".*[a-z].*")) {
          violations.add(
              new Violation(
                  path + ".name",
                  "'%s' is not a port name (lower-case letters, digits and '-', at most 15"
                          .formatted(name)
                      + " characters, at least one letter)"));
        }
        if (!names.add(name)) {
          violations.add(new Violation(path + ".name", "duplicate port name '%s'".formatted(name)));
        }
      }
      PortProtocol protocol = port.getProtocol() == null ? PortProtocol.TCP : port.getProtocol();
      if (port.getPort() == null) {
        violations.add(new Violation(path + ".port", "is required"));
      } else if (port.getPort() < 1 || port.getPort() > 65535) {
        violations.add(
            new Violation(
                path + ".port", "must be between 1 and 65535, got %d".formatted(port.getPort())));
      } else if (!numbers.add(port.getPort() + "/" + protocol)) {
        violations.add(
            new Violation(
                path + ".port",
                "%d/%s is declared twice".formatted(port.getPort(), protocol.name())));
      }
      if (protocol == PortProtocol.TCP && name != null) {
        tcpNames.add(name);
      }
    }
    ReadinessProbeSpec probe = spec.getReadinessProbe();
    if (probe != null) {
      if (probe.getPort() == null || !tcpNames.contains(probe.getPort())) {
        violations.add(
            new Violation(
                "spec.readinessProbe.port",
                "'%s' is not a declared TCP port (spec.ports)".formatted(probe.getPort())));
      }
      String path = probe.getPath();
      if (path != null && (!path.startsWith("/") || path.length() > 1024)) {
        violations.add(
            new Violation(
                "spec.readinessProbe.path",
                "'%s' is not an absolute path of at most 1024 characters".formatted(path)));
      }
      range("spec.readinessProbe.periodSeconds", probe.getPeriodSeconds(), 1, 300, violations);
      range("spec.readinessProbe.failureThreshold", probe.getFailureThreshold(), 1, 30, violations);
    }
    if (spec.getService() != null && ports.isEmpty()) {
      violations.add(new Violation("spec.service", "a service needs at least one declared port"));
    }
  }

  private static void range(
      String field, Integer value, int min, int max, List<Violation> violations) {
    if (value != null && (value < min || value > max)) {
      violations.add(
          new Violation(field, "must be between %d and %d, got %d".formatted(min, max, value)));
    }
  }

  /** Records a violation unless {@code quantity} is absent or a positive quantity. */
  private static Optional<BigDecimal> positiveQuantity(
      String field, Quantity quantity, List<Violation> violations) {
    if (quantity == null) {
      return Optional.empty();
    }
    Optional<BigDecimal> value = bytes(quantity);
    if (value.isEmpty()) {
      violations.add(
          new Violation(
              field, "'%s' is not a quantity, e.g. 512Mi, 10Gi or 1000000".formatted(quantity)));
    } else if (value.get().signum() <= 0) {
      violations.add(new Violation(field, "must be greater than zero, got %s".formatted(quantity)));
      return Optional.empty();
    }
    return value;
  }

  private static <T> List<T> nonNull(List<T> list) {
    return list == null ? List.of() : list;
  }
}
