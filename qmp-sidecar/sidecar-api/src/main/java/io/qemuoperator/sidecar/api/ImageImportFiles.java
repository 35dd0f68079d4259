package io.qemuoperator.sidecar.api;

import java.util.List;

/**
 * The files a disk import leaves in the disk's folder (its claim), the one place the importer
 * ({@code qmp-sidecar import}, the VM pod's init container) and the operator's qemu container
 * script take their names from.
 *
 * <ol>
 *   <li>The importer downloads into {@link #PART}, checks it (sha256, format, size) and renames it
 *       to {@code source.qcow2} or {@code source.raw} ({@link #source}): a source file is always
 *       complete and verified.
 *   <li>The qemu container's script converts the source into the disk's image ({@code disk.qcow2},
 *       via a temporary name), grows it to the disk's size and removes the source.
 * </ol>
 *
 * A disk whose image exists is never imported again: its data is the VM's.
 */
public final class ImageImportFiles {
  /** The download in progress (removed at the start of every attempt). */
  public static final String PART = "source.part";

  /** The formats an import detects: qcow2 by its magic, anything else is raw. */
  public static final List<String> FORMATS = List.of("qcow2", "raw");

  private ImageImportFiles() {}

  /** The verified download of an image in {@code format} ({@code qcow2} or {@code raw}). */
  public static String source(String format) {
    if (!FORMATS.contains(format)) {
      throw new IllegalArgumentException("not an import format: " + format);
    }
    return "source." + format;
  }
}
