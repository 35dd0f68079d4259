package io.qemuoperator.operator.pod;

import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.api.v1alpha1.spec.DiskSource;
import io.qemuoperator.api.v1alpha1.spec.DiskSpec;
import io.qemuoperator.operator.plan.BootConfig;
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
 */
public record VmLaunch(
    String name, String uuid, int cpus, long memoryBytes, List<Disk> disks, Path qmpSocket) {

  public VmLaunch {
    disks = List.copyOf(disks);
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
                        source(disk)))
            .toList();
    // the same boot-time values the pod's revision and annotation are made from
    BootConfig boot = SpecReader.launch(vm).boot();
    return new VmLaunch(
        vm.getMetadata().getName(),
        vm.getMetadata().getUid(),
        boot.cpus(),
        boot.memoryBytes(),
        disks,
        VmResources.QMP_SOCKET);
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
   * One disk: its drive id (the spec's disk name), image path, the size to create it with, and
   * where its content comes from when the image does not exist yet.
   */
  public record Disk(String name, Path image, long sizeBytes, Source source) {
    /** A blank disk. */
    public Disk(String name, Path image, long sizeBytes) {
      this(name, image, sizeBytes, new Source.Blank());
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
}
