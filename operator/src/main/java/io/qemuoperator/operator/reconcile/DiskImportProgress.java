package io.qemuoperator.operator.reconcile;

import io.qemuoperator.api.v1alpha1.status.DiskImportStatus;
import io.qemuoperator.sidecar.api.ImportProgress;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The importer's progress ({@code GET /v1/import}) as the QemuVM shows it: {@code
 * status.diskImports} and the message of the condition DisksReady while it says Importing, e.g.
 * {@code disk root: 45% (12.3 of 27.0 MiB) from URL}. Rounded, so that the status changes in steps
 * (bytes in {@link #STEP}s, whole percents), not with every byte; the reconciler reads it every
 * {@code IMPORT_POLL}, which bounds the status writes.
 */
final class DiskImportProgress {
  /** bytesDone is shown rounded down to this many bytes (exact once it reaches the total). */
  static final long STEP = 64 * 1024;

  private static final double MIB = 1024.0 * 1024.0;

  private DiskImportProgress() {}

  static List<DiskImportStatus> statuses(ImportProgress progress) {
    return progress.disks().stream().map(DiskImportProgress::status).toList();
  }

  static DiskImportStatus status(ImportProgress.Disk disk) {
    var status = new DiskImportStatus();
    status.setName(disk.name());
    status.setUrl(disk.url());
    status.setPhase(disk.phase());
    Long total = disk.bytesTotal();
    long done = Math.max(0, disk.bytesDone());
    long shown = total != null && done >= total ? done : done / STEP * STEP;
    status.setBytesDone(shown);
    status.setBytesTotal(total);
    if (total != null && total > 0) {
      status.setPercent((int) Math.min(100, shown * 100 / total));
    }
    return status;
  }

  /**
   * The disks of {@code now} whose import began since {@code before}: past Waiting now, and absent
   * or Waiting before.
   */
  static List<DiskImportStatus> started(List<DiskImportStatus> before, List<DiskImportStatus> now) {
    return now.stream()
        .filter(disk -> !ImportProgress.WAITING.equals(disk.getPhase()))
        .filter(
            disk ->
                before.stream()
                    .noneMatch(
                        b ->
                            b.getName().equals(disk.getName())
                                && !ImportProgress.WAITING.equals(b.getPhase())))
        .toList();
  }

  /** One clause per disk, joined by {@code ; }. */
  static String message(List<DiskImportStatus> disks) {
    return disks.stream().map(DiskImportProgress::clause).collect(Collectors.joining("; "));
  }

  private static String clause(DiskImportStatus disk) {
    String from = disk.getUrl() == null ? "" : " from " + disk.getUrl();
    String size =
        disk.getBytesTotal() == null
            ? mib(disk.getBytesDone()) + " MiB"
            : mib(disk.getBytesDone()) + " of " + mib(disk.getBytesTotal()) + " MiB";
    String head = "disk " + disk.getName() + ": ";
    return switch (disk.getPhase()) {
      case ImportProgress.WAITING -> head + "waiting" + from;
      case ImportProgress.FETCHING ->
          head
              + (disk.getPercent() == null ? "" : disk.getPercent() + "% (")
              + size
              + (disk.getPercent() == null ? "" : ")")
              + from;
      case ImportProgress.VERIFYING -> head + "verifying (" + size + ")" + from;
      case ImportProgress.DONE -> head + "fetched and verified (" + size + ")" + from;
      default -> head + disk.getPhase().toLowerCase(Locale.ROOT) + " (" + size + ")" + from;
    };
  }

  private static String mib(Long bytes) {
    return String.format(Locale.ROOT, "%.1f", (bytes == null ? 0 : bytes) / MIB);
  }
}
