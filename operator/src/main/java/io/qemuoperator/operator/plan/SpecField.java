package io.qemuoperator.operator.plan;

import java.util.Optional;
import java.util.function.Function;

/**
 * Every field of a QemuVM's spec and what a change of it costs. The planner reads this table: a
 * {@link Class#LIVE} field is applied to the running QEMU (or steers the operator itself); a change
 * of a {@link Class#RESTART} field needs a new QEMU process, so it restarts the VM (or waits for a
 * restart request under {@code updateStrategy: Manual}); a {@link Class#FIXED} field is read once,
 * when the object it shapes is created. {@code SpecFieldTest} fails when a field of the generated
 * CRD is missing here.
 */
public enum SpecField {
  RUNNING("spec.running", Class.LIVE),
  PAUSED("spec.paused", Class.LIVE),
  CPUS("spec.cpus", Class.RESTART, boot -> Integer.toString(boot.cpus())),
  MEMORY("spec.memory", Class.RESTART, boot -> Quantities.format(boot.memoryBytes())),
  BALLOON("spec.balloon", Class.LIVE),
  /** The set of disks: one added or removed is attached or detached by a restart. */
  DISKS("spec.disks", Class.RESTART, boot -> boot.disks().toString()),
  /** A disk's identity: a renamed disk is one removed and one added (read through DISKS). */
  DISK_NAME("spec.disks[].name", Class.RESTART),
  /** Grows online: the claim first, then QEMU's block_resize. */
  DISK_SIZE("spec.disks[].size", Class.LIVE),
  /** The claim's class, set when the claim is created; Kubernetes never changes it after. */
  DISK_STORAGE_CLASS("spec.disks[].storageClassName", Class.FIXED),
  /**
   * Where a disk's content comes from, read by the pod (its init container, its volumes): a change
   * gives a new pod (read through DISKS); an image is imported only into a disk not made yet, so a
   * disk that exists keeps its data, and a corrected URL is fetched by the new pod.
   */
  DISK_SOURCE("spec.disks[].source", Class.RESTART),
  DISK_SOURCE_URL("spec.disks[].source.url", Class.RESTART),
  DISK_SOURCE_SHA256("spec.disks[].source.sha256", Class.RESTART),
  /** Another claim is another disk: attached by a restart (read through DISKS). */
  DISK_SOURCE_CLAIM("spec.disks[].source.claimName", Class.RESTART),
  /** The disks' boot order: QEMU's bootindex, read at boot. */
  DISK_BOOT_ORDER("spec.disks[].bootOrder", Class.RESTART, boot -> boot.bootOrder().toString()),
  /** The set of CD-ROMs and their claims, mounted into the pod: read at boot. */
  CDROMS("spec.cdroms", Class.RESTART, boot -> "[" + boot.cdroms() + "]"),
  /** A CD-ROM's identity (read through CDROMS). */
  CDROM_NAME("spec.cdroms[].name", Class.RESTART),
  /** The claim holding the media, a volume of the pod (read through CDROMS). */
  CDROM_CLAIM("spec.cdroms[].claimName", Class.RESTART),
  /** The medium: QMP change (blockdev-change-medium), or eject when unset. */
  CDROM_FILE("spec.cdroms[].file", Class.LIVE),
  FIRMWARE("spec.firmware", Class.RESTART, BootConfig::firmware),
  /** Unset: q35 as pinned at the first launch (status.machine), which later launches keep. */
  MACHINE(
      "spec.machine",
      Class.RESTART,
      boot -> boot.machine().isEmpty() ? "(pinned at first launch)" : boot.machine()),
  /** QMP block_set_io_throttle, each limit as a whole. */
  DISK_IO_LIMITS("spec.disks[].ioLimits", Class.LIVE),
  DISK_IO_LIMITS_TOTAL_BYTES("spec.disks[].ioLimits.totalBytesPerSec", Class.LIVE),
  DISK_IO_LIMITS_READ_BYTES("spec.disks[].ioLimits.readBytesPerSec", Class.LIVE),
  DISK_IO_LIMITS_WRITE_BYTES("spec.disks[].ioLimits.writeBytesPerSec", Class.LIVE),
  DISK_IO_LIMITS_TOTAL_IOPS("spec.disks[].ioLimits.totalIopsPerSec", Class.LIVE),
  DISK_IO_LIMITS_READ_IOPS("spec.disks[].ioLimits.readIopsPerSec", Class.LIVE),
  DISK_IO_LIMITS_WRITE_IOPS("spec.disks[].ioLimits.writeIopsPerSec", Class.LIVE),
  MIGRATION("spec.migration", Class.LIVE),
  MIGRATION_MAX_BANDWIDTH("spec.migration.maxBandwidth", Class.LIVE),
  MIGRATION_MAX_DOWNTIME("spec.migration.maxDowntime", Class.LIVE),
  /** Read when a QemuVMMigration starts. */
  MIGRATION_POLICY("spec.migration.policy", Class.LIVE),
  /** Read when a QemuVMMigration starts (QEMU's capabilities cannot change while it runs). */
  MIGRATION_AUTO_CONVERGE("spec.migration.autoConverge", Class.LIVE),
  /** Read by a running QemuVMMigration at each pass. */
  MIGRATION_COMPLETION_TIMEOUT("spec.migration.completionTimeout", Class.LIVE),
  NETWORK("spec.network", Class.LIVE),
  /** QMP set_link. */
  NETWORK_LINK("spec.network.link", Class.LIVE),
  /** Read at each power-down. */
  TERMINATION_GRACE_PERIOD("spec.terminationGracePeriodSeconds", Class.LIVE),
  /** Read at each pass. */
  UPDATE_STRATEGY("spec.updateStrategy", Class.LIVE),
  /** The NoCloud seed, built when QEMU starts; its parts are read through it. */
  CLOUD_INIT("spec.cloudInit", Class.RESTART, boot -> digest(boot.cloudInit())),
  CLOUD_INIT_USER_DATA("spec.cloudInit.userData", Class.RESTART),
  CLOUD_INIT_USER_DATA_SECRET("spec.cloudInit.userDataSecretRef", Class.RESTART),
  CLOUD_INIT_USER_DATA_SECRET_NAME("spec.cloudInit.userDataSecretRef.name", Class.RESTART),
  CLOUD_INIT_USER_DATA_SECRET_KEY("spec.cloudInit.userDataSecretRef.key", Class.RESTART),
  CLOUD_INIT_NETWORK_DATA("spec.cloudInit.networkData", Class.RESTART),
  CLOUD_INIT_NETWORK_DATA_SECRET("spec.cloudInit.networkDataSecretRef", Class.RESTART),
  CLOUD_INIT_NETWORK_DATA_SECRET_NAME("spec.cloudInit.networkDataSecretRef.name", Class.RESTART),
  CLOUD_INIT_NETWORK_DATA_SECRET_KEY("spec.cloudInit.networkDataSecretRef.key", Class.RESTART),
  /** QEMU's host forwards and the qemu container's ports; read through PORTS. */
  PORTS("spec.ports", Class.RESTART, boot -> "[" + boot.ports() + "]"),
  PORT_NAME("spec.ports[].name", Class.RESTART),
  PORT_PORT("spec.ports[].port", Class.RESTART),
  PORT_PROTOCOL("spec.ports[].protocol", Class.RESTART),
  /** The Service dependent: created, changed or deleted at the next pass. */
  SERVICE("spec.service", Class.LIVE),
  SERVICE_TYPE("spec.service.type", Class.LIVE),
  /** The qemu container's readiness probe: part of the pod, so a change needs a new pod. */
  READINESS_PROBE("spec.readinessProbe", Class.RESTART, boot -> display(boot.readiness())),
  READINESS_PROBE_PORT("spec.readinessProbe.port", Class.RESTART),
  READINESS_PROBE_PATH("spec.readinessProbe.path", Class.RESTART),
  READINESS_PROBE_PERIOD("spec.readinessProbe.periodSeconds", Class.RESTART),
  READINESS_PROBE_FAILURES("spec.readinessProbe.failureThreshold", Class.RESTART),
  /** The guest agent's virtio-serial port, a device of QEMU, and the sidecar's argument. */
  GUEST_AGENT("spec.guestAgent", Class.RESTART, boot -> Boolean.toString(boot.guestAgent())),
  /** The accelerator QEMU is started with; unset: the operator's default. */
  ACCELERATOR(
      "spec.accelerator",
      Class.RESTART,
      boot -> boot.accelerator().isEmpty() ? "(operator default)" : boot.accelerator());

  /** What a change of a field costs. */
  public enum Class {
    /** Applied to the running QEMU (QMP) or read by the operator at its next pass. */
    LIVE,
    /** Needs a new QEMU process: the VM is restarted. */
    RESTART,
    /** Read once, when the object it shapes is created; a later change is reported, not applied. */
    FIXED
  }

  private final String path;
  private final Class cost;
  private final Function<BootConfig, String> bootValue;

  SpecField(String path, Class cost) {
    this(path, cost, null);
  }

  SpecField(String path, Class cost, Function<BootConfig, String> bootValue) {
    this.path = path;
    this.cost = cost;
    this.bootValue = bootValue;
  }

  private static String digest(String value) {
    return value.isEmpty() ? "none" : "seed " + value;
  }

  private static String display(String value) {
    return value.isEmpty() ? "none" : value;
  }

  /** The field's path as users write it ({@code []} for every item of a list). */
  public String path() {
    return path;
  }

  public Class cost() {
    return cost;
  }

  /** For a boot-time field compared as a whole: its value in a {@link BootConfig}, for people. */
  public Optional<Function<BootConfig, String>> bootValue() {
    return Optional.ofNullable(bootValue);
  }
}
