package io.qemuoperator.operator.plan;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Where a CD-ROM's media are, as QEMU is told of them. Each CD-ROM's claim is mounted read-only in
 * the qemu container ({@link #mount}); the container's script links each mount into {@link
 * #WORKDIR} by the CD-ROM's name and starts QEMU there, so the operator names a medium by a path
 * relative to QEMU's working directory ({@code NAME/FILE}, {@link #path}): the same in a pod and on
 * a machine where the pod's paths are mapped to others (the local cluster).
 */
public final class CdromMedia {
  /** The folder of the CD-ROMs' claims, one sub-folder per CD-ROM name. */
  public static final Path DIR = Path.of("/var/lib/qemu-operator/cdroms");

  /** QEMU's working directory when it has CD-ROMs: in the pod's QMP emptyDir. */
  public static final Path WORKDIR = Path.of("/run/qmp/media");

  private CdromMedia() {}

  /** Where CD-ROM {@code name}'s claim is mounted. */
  public static Path mount(String name) {
    return DIR.resolve(name);
  }

  /**
   * The path QEMU is given for {@code file} (relative to the claim's root) of CD-ROM {@code name}.
   */
  public static String path(String name, String file) {
    return name + "/" + file;
  }

  /**
   * The spec's form of the medium QEMU reports for CD-ROM {@code name}: relative to its claim's
   * root (QEMU reports the path it was given, or that path made absolute), or QEMU's path as it is
   * when it is none of the claim's.
   */
  public static String relative(String name, String qemuFile) {
    String given = name + "/";
    if (qemuFile.startsWith(given)) {
      return qemuFile.substring(given.length());
    }
    String linked = "/" + WORKDIR.getFileName() + "/" + given;
    int at = qemuFile.indexOf(linked);
    if (qemuFile.startsWith("/") && at >= 0) {
      return qemuFile.substring(at + linked.length());
    }
    return qemuFile;
  }

  /** The drive's medium as QEMU reports it: the file inserted (empty: none), the tray. */
  public record Medium(Optional<String> file, Optional<Boolean> trayOpen, boolean locked) {
    public static final Medium EMPTY = new Medium(Optional.empty(), Optional.empty(), false);
  }
}
