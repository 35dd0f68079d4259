package io.qemuoperator.sidecar.importer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * What a downloaded image is, read from its content as QEMU's own probe does: qcow2 when it starts
 * with qcow2's magic ({@code QFI\xfb}), raw otherwise. A qcow2 image must stand alone: one that
 * names a backing file or an external data file would make {@code qemu-img convert} read another
 * file of the node, so it is refused.
 *
 * @param format {@code qcow2} or {@code raw}
 * @param virtualSize the size the guest sees: qcow2's header field, a raw image's length
 */
public record ImageFormat(String format, long virtualSize) {
  private static final int QCOW2_MAGIC = 0x514649fb; // "QFI\xfb"
  private static final long EXTERNAL_DATA_FILE = 1L << 2; // qcow2 v3 incompatible feature bit 2

  public static ImageFormat of(Path image) throws IOException {
    try (FileChannel file = FileChannel.open(image, StandardOpenOption.READ)) {
      ByteBuffer header = ByteBuffer.allocate(104); // qcow2 v3's header is 104 bytes
      while (header.hasRemaining() && file.read(header) > 0) {
        // read what there is
      }
      header.flip();
      if (header.remaining() < 4 || header.getInt(0) != QCOW2_MAGIC) {
        return new ImageFormat("raw", file.size());
      }
      if (header.remaining() < 72) {
        throw new ImportException("a truncated qcow2 image (" + file.size() + " bytes)");
      }
      int version = header.getInt(4);
      if (version != 2 && version != 3) {
        throw new ImportException("a qcow2 image of unknown version " + version);
      }
      long backingFileOffset = header.getLong(8);
      if (backingFileOffset != 0) {
        throw new ImportException(
            "the qcow2 image names a backing file: an imported image must stand alone (flatten it"
                + " with qemu-img convert first)");
      }
      if (version == 3
          && header.remaining() >= 80
          && (header.getLong(72) & EXTERNAL_DATA_FILE) != 0) {
        throw new ImportException(
            "the qcow2 image keeps its data in an external file: an imported image must stand"
                + " alone");
      }
      return new ImageFormat("qcow2", header.getLong(24));
    }
  }
}
