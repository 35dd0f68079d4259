package io.qemuoperator.operator.pod;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The VM pod's init container {@value #CONTAINER}: the sidecar's image run as {@code qmp-sidecar
 * import}, which fetches each disk's image (url, optional sha256) into the disk's claim, verified,
 * before QEMU starts; the qemu container's script then converts and grows it ({@link
 * QemuCommandLine#imageStep}). It leaves a disk whose image exists alone, so a restarted pod never
 * imports over the VM's data. A failure ends it with the reason in its termination message, which
 * Kubernetes reports in the pod's {@code initContainerStatuses} and the operator in the QemuVM's
 * condition {@code DisksReady}; the pod's containers never start meanwhile. While it runs it serves
 * its progress on the sidecar's port behind the VM's token ({@code GET /v1/import}; the token is
 * mounted into it as into the sidecar), which the operator reads into the QemuVM's status.
 */
public final class DiskImport {
  public static final String CONTAINER = "disk-import";

  private DiskImport() {}

  /** The disks of {@code launch} that are imported from a URL. */
  public static List<VmLaunch.Disk> importedDisks(VmLaunch launch) {
    return launch.disks().stream()
        .filter(disk -> disk.source() instanceof VmLaunch.Source.Image)
        .toList();
  }

  /**
   * The init container, when a disk is imported; {@code mounts} holds each disk's claim mount,
   * {@code port} is the sidecar's and {@code token} the token Secret's mount.
   */
  public static Optional<Container> initContainer(
      VmLaunch launch, String image, Map<String, VolumeMount> mounts, int port, VolumeMount token) {
    List<VmLaunch.Disk> disks = importedDisks(launch);
    if (disks.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        new ContainerBuilder()
            .withName(CONTAINER)
            .withImage(image)
            .withArgs(arguments(disks, port))
            .withVolumeMounts(disks.stream().map(disk -> mounts.get(disk.name())).toList())
            .addToVolumeMounts(token)
            .withTerminationMessagePolicy("FallbackToLogsOnError")
            .withNewResources()
            .withRequests(Map.of("memory", new Quantity("64Mi"), "cpu", new Quantity("50m")))
            .withLimits(Map.of("memory", new Quantity("128Mi")))
            .endResources()
            .withSecurityContext(ContainerSecurity.restricted())
            .build());
  }

  /**
   * {@code import --listen 0.0.0.0:PORT --token-file FILE --disk NAME --dir DIR --url URL [--sha256
   * HEX] --size BYTES ...}.
   */
  static List<String> arguments(List<VmLaunch.Disk> disks, int port) {
    var args = new ArrayList<String>();
    args.addAll(
        List.of(
            "import",
            "--listen",
            "0.0.0.0:" + port,
            "--token-file",
            VmResources.TOKEN_FILE.toString()));
    for (VmLaunch.Disk disk : disks) {
      var source = (VmLaunch.Source.Image) disk.source();
      args.addAll(
          List.of(
              "--disk",
              disk.name(),
              "--dir",
              disk.image().getParent().toString(),
              "--url",
              source.url()));
      source.sha256().ifPresent(sha -> args.addAll(List.of("--sha256", sha)));
      args.addAll(List.of("--size", Long.toString(disk.sizeBytes())));
    }
    return List.copyOf(args);
  }
}
