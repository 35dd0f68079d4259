package io.qemuoperator.sidecar.importer;

import io.qemuoperator.sidecar.api.ImportProgress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * Where each disk's import stands, written by the importer as it goes and read by {@code GET
 * /v1/import} from another thread: one immutable {@link ImportProgress} replaced at each change.
 */
public final class ImportBoard {
  private final Clock clock;
  private volatile ImportProgress progress;

  /** Every disk of {@code imports} waiting. */
  public ImportBoard(List<ImageImport> imports, Clock clock) {
    this.clock = clock;
    this.progress =
        new ImportProgress(
            imports.stream()
                .map(
                    i ->
                        new ImportProgress.Disk(
                            i.disk(), i.shown(), ImportProgress.WAITING, 0, null, null))
                .toList());
  }

  public ImportProgress progress() {
    return progress;
  }

  /** Disk {@code disk}'s fetch begins now. */
  void started(String disk) {
    update(
        disk,
        d ->
            new ImportProgress.Disk(
                d.name(), d.url(), ImportProgress.FETCHING, 0, null, clock.instant()));
  }

  /** {@code bytes} fetched of {@code total} (-1: not known). */
  void fetched(String disk, long bytes, long total) {
    update(
        disk,
        d ->
            new ImportProgress.Disk(
                d.name(), d.url(), d.phase(), bytes, total >= 0 ? total : null, d.startedAt()));
  }

  /** Disk {@code disk} moves to {@code phase}, its figures kept. */
  void phase(String disk, String phase) {
    update(
        disk,
        d ->
            new ImportProgress.Disk(
                d.name(), d.url(), phase, d.bytesDone(), d.bytesTotal(), d.startedAt()));
  }

  private synchronized void update(
      String disk, java.util.function.UnaryOperator<ImportProgress.Disk> change) {
    var disks = new ArrayList<ImportProgress.Disk>();
    for (ImportProgress.Disk d : progress.disks()) {
      disks.add(d.name().equals(disk) ? change.apply(d) : d);
    }
    progress = new ImportProgress(disks);
  }
}
