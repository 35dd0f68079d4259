package io.qemuoperator.operator.pod;

import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.api.v1alpha1.spec.CloudInitSpec;
import io.qemuoperator.api.v1alpha1.spec.DiskSource;
import io.qemuoperator.api.v1alpha1.spec.DiskSpec;
import io.qemuoperator.api.v1alpha1.spec.PortProtocol;
import io.qemuoperator.operator.plan.BootConfig;
import io.qemuoperator.operator.plan.CdromMedia;
import io.qemuoperator.operator.plan.SpecReader;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What QEMU is started with, taken from the spec at pod creation (changing these needs a new pod).
 *
 * @param name the VM's name ({@code -name})
 * @param uuid the SMBIOS UUID ({@code -uuid}): the QemuVM's uid, stable across restarts
 * @param cpus vCPUs
 * @param memoryBytes guest RAM, a whole number of MiB
 * @param disks the qcow2 images, in spec order
 * @param qmpSocket where QEMU listens for the sidecar; the serial console's socket and log live
 *     beside it ({@link #consoleSocket()}, {@link #consoleLog()})
 * @param firmware BIOS or UEFI, and the machine type
 * @param seed the cloud-init NoCloud seed, when the spec declares one
 * @param ports the guest ports forwarded from the pod's
 * @param guestAgent a virtio-serial port for the QEMU guest agent, on {@link #guestAgentSocket()}
 * @param cdroms the CD-ROMs, in spec order: empty drives at start (the operator inserts the spec's
 *     media before the vCPUs run)
 */
public record VmLaunch(
    String name,
    String uuid,
    int cpus,
    long memoryBytes,
    List<Disk> disks,
    Path qmpSocket,
    Boot firmware,
    Optional<Seed> seed,
    List<Port> ports,
    boolean guestAgent,
    List<Cdrom> cdroms) {

  public VmLaunch {
    disks = List.copyOf(disks);
    ports = List.copyOf(ports);
    cdroms = List.copyOf(cdroms);
  }

  /** BIOS on q35 as the node's QEMU resolves it, without a seed or ports. */
  public VmLaunch(
      String name, String uuid, int cpus, long memoryBytes, List<Disk> disks, Path qmpSocket) {
    this(name, uuid, cpus, memoryBytes, disks, qmpSocket, Boot.BIOS_Q35);
  }

  /** Without a seed, ports, guest agent or CD-ROMs. */
  public VmLaunch(
      String name,
      String uuid,
      int cpus,
      long memoryBytes,
      List<Disk> disks,
      Path qmpSocket,
      Boot firmware) {
    this(
        name,
        uuid,
        cpus,
        memoryBytes,
        disks,
        qmpSocket,
        firmware,
        Optional.empty(),
        List.of(),
        false,
        List.of());
  }

  /**
   * The firmware and machine type.
   *
   * @param machine QEMU's {@code -machine} type: the spec's, else the one pinned at the first
   *     launch ({@code status.machine}), else {@code q35}
   * @param uefiVars UEFI only: the VM's writable copy of OVMF's variables, kept with its first disk
   */
  public record Boot(String machine, Optional<Path> uefiVars) {
    public static final String DEFAULT_MACHINE = "q35";
    public static final Boot BIOS_Q35 = new Boot(DEFAULT_MACHINE, Optional.empty());
  }

  /** What the pod's QEMU is started with, from the spec. */
  public static VmLaunch of(QemuVM vm) {
    var spec = SpecReader.spec(vm);
    List<Disk> disks =
        SpecReader.disks(spec).stream()
            .map(
                disk ->
                    new Disk(
                        disk.getName(),
                        VmResources.diskImage(disk.getName()),
                        SpecReader.bytes(disk.getSize()),
                        source(disk),
                        Optional.empty()))
            .toList();
    // the same boot-time values the pod's revision and annotation are made from
    BootConfig boot = SpecReader.launch(vm).boot();
    var indexed = new java.util.ArrayList<Disk>();
    for (Disk disk : disks) {
      int index = boot.bootOrder().indexOf(disk.name());
      indexed.add(
          index < 0
              ? disk
              : new Disk(
                  disk.name(),
                  disk.image(),
                  disk.sizeBytes(),
                  disk.source(),
                  Optional.of(index + 1)));
    }
    String pinned = vm.getStatus() == null ? null : vm.getStatus().getMachine();
    String machine =
        !boot.machine().isEmpty()
            ? boot.machine()
            : pinned != null && !pinned.isEmpty() ? pinned : Boot.DEFAULT_MACHINE;
    Optional<Path> uefiVars =
        BootConfig.BIOS.equals(boot.firmware())
            ? Optional.empty()
            : Optional.of(
                disks.isEmpty()
                    ? VmResources.QMP_DIR.resolve(VmResources.UEFI_VARS)
                    : VmResources.diskMount(disks.get(0).name()).resolve(VmResources.UEFI_VARS));
    List<Port> ports =
        SpecReader.ports(spec).stream()
            .map(p -> new Port(p.getName(), p.getPort(), SpecReader.protocol(p)))
            .toList();
    return new VmLaunch(
        vm.getMetadata().getName(),
        vm.getMetadata().getUid(),
        boot.cpus(),
        boot.memoryBytes(),
        indexed,
        VmResources.QMP_SOCKET,
        new Boot(machine, uefiVars),
        Optional.ofNullable(spec.getCloudInit()).map(c -> Seed.of(vm, c)),
        ports,
        boot.guestAgent(),
        SpecReader.cdroms(spec).stream()
            .map(c -> new Cdrom(c.getName(), c.getClaimName(), CdromMedia.mount(c.getName())))
            .toList());
  }

  /**
   * QEMU's socket of the guest agent's virtio-serial port, in the QMP socket's folder (the pod's
   * shared emptyDir).
   */
  public Path guestAgentSocket() {
    return qmpSocket.resolveSibling(VmResources.GUEST_AGENT_SOCKET.getFileName());
  }

  /** The serial console's unix socket, in the QMP socket's folder (the pod's shared emptyDir). */
  public Path consoleSocket() {
    return qmpSocket.resolveSibling(VmResources.CONSOLE_SOCKET.getFileName());
  }

  /** The serial console's log file, in the QMP socket's folder (the pod's shared emptyDir). */
  public Path consoleLog() {
    return qmpSocket.resolveSibling(VmResources.CONSOLE_LOG.getFileName());
  }

  private static Source source(DiskSpec disk) {
    DiskSource source = disk.getSource();
    if (source == null) {
      return new Source.Blank();
    }
    if (source.getClaimName() != null) {
      return new Source.Claim(source.getClaimName());
    }
    return new Source.Image(source.getUrl(), Optional.ofNullable(source.getSha256()));
  }

  /**
   * One disk: its drive id (the spec's disk name), image path, the size to create it with, where
   * its content comes from when the image does not exist yet, and its place in the boot order
   * (QEMU's bootindex), when it has one.
   */
  public record Disk(
      String name, Path image, long sizeBytes, Source source, Optional<Integer> bootIndex) {
    /** A blank disk, not in the boot order. */
    public Disk(String name, Path image, long sizeBytes) {
      this(name, image, sizeBytes, new Source.Blank(), Optional.empty());
    }

    /** A disk not in the boot order. */
    public Disk(String name, Path image, long sizeBytes, Source source) {
      this(name, image, sizeBytes, source, Optional.empty());
    }
  }

  /** Where a disk's content comes from ({@link DiskSource}). */
  public sealed interface Source {
    /** A blank qcow2 image of the disk's size. */
    record Blank() implements Source {}

    /** An image imported by the pod's init container, then converted and grown. */
    record Image(String url, Optional<String> sha256) implements Source {}

    /** The image on a claim the user owns, used as is. */
    record Claim(String claimName) implements Source {}
  }

  /**
   * A read-only CD-ROM ({@code scsi-cd} on the virtio-scsi controller): its drive id, the claim of
   * its media and where that claim is mounted (read-only).
   */
  public record Cdrom(String name, String claimName, Path mount) {}

  /** A guest port, forwarded from the same port of the pod's address. */
  public record Port(String name, int port, PortProtocol protocol) {}

  /**
   * The NoCloud seed the container script writes into {@code dir} before QEMU starts, which QEMU
   * then shows the guest as a read-only FAT disk labelled CIDATA.
   *
   * @param dir the folder QEMU serves (an emptyDir of the qemu container)
   * @param metaData meta-data: instance-id and local-hostname
   * @param userData user-data (empty when only network-config is declared)
   * @param networkConfig network-config, when declared
   */
  public record Seed(Path dir, String metaData, Content userData, Optional<Content> networkConfig) {

    static Seed of(QemuVM vm, CloudInitSpec spec) {
      Content userData =
          spec.getUserDataSecretRef() != null
              ? new Content.File(VmResources.cloudInitSecretFile(VmResources.USER_DATA))
              : new Content.Inline(spec.getUserData() == null ? "" : spec.getUserData());
      Optional<Content> network =
          spec.getNetworkDataSecretRef() != null
              ? Optional.of(
                  new Content.File(VmResources.cloudInitSecretFile(VmResources.NETWORK_CONFIG)))
              : Optional.ofNullable(spec.getNetworkData()).map(Content.Inline::new);
      return new Seed(
          VmResources.SEED_DIR,
          metaData(vm.getMetadata().getUid(), vm.getMetadata().getName()),
          userData,
          network);
    }

    /** NoCloud's meta-data: the VM's uid as instance-id, its name as local-hostname. */
    public static String metaData(String uid, String hostname) {
      return "instance-id: " + uid + "\nlocal-hostname: " + hostname + "\n";
    }
  }

  /** A seed file's content: inline text, or a file the pod mounts (a Secret's key). */
  public sealed interface Content {
    record Inline(String text) implements Content {}

    record File(Path path) implements Content {}
  }
}
