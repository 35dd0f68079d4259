package io.qemuoperator.sidecar.console;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.OptionalLong;

/**
 * The serial console's log file, which QEMU appends to ({@code logfile=…,logappend=on}: opened with
 * {@code O_APPEND}, which the bound needs) for as long as it runs, and which this class keeps
 * bounded: once it holds more than {@code maxBytes}, its content moves to {@code <log>.1}
 * (replacing the previous one) and the log is truncated, as logrotate's {@code copytruncate} does;
 * QEMU's next write lands at the start of the emptied file. The two files hold at most about {@code
 * 2 × maxBytes}, plus what the guest writes between two checks. What the guest writes between the
 * last copied byte and the truncation (microseconds) is lost.
 *
 * <p>Positions: every byte the guest wrote has a position in the stream of everything written since
 * this sidecar started (plus what {@code <log>.1} held then), so a reader that follows the log asks
 * for what came after the end it last saw, across rotations.
 */
public final class ConsoleLog {
  private final Path log;
  private final Path previous;
  private final long maxBytes;

  /** The position of the current log's first byte; {@code <log>.1} ends there. */
  private long base;

  public ConsoleLog(Path log, long maxBytes) {
    this.log = log;
    this.previous = log.resolveSibling(log.getFileName() + ".1");
    this.maxBytes = maxBytes;
    this.base = size(previous);
  }

  /** Bytes of the log from position {@code start} (inclusive) to {@code end} (exclusive). */
  public record Slice(long start, long end, byte[] bytes) {}

  public Path path() {
    return log;
  }

  /** The most bytes {@link #read} answers: what the log and its previous part hold at most. */
  public long keptBytes() {
    return 2 * maxBytes;
  }

  /**
   * The log's end: from position {@code from} when given (or from the oldest byte kept, when that
   * one is gone), else the last {@code bytes} bytes; at most {@link #keptBytes()}. Empty when QEMU
   * has not created the log yet. A {@code from} past the end (positions start over when the sidecar
   * does) answers nothing, with the end.
   */
  public synchronized Slice read(OptionalLong from, long bytes) throws IOException {
    long previousSize = size(previous);
    long currentSize = size(log);
    long keptStart = base - previousSize;
    long end = base + currentSize;
    long start =
        from.isPresent()
            ? Math.min(Math.max(from.getAsLong(), keptStart), end)
            : Math.max(keptStart, end - Math.min(bytes, keptBytes()));
    long length = Math.min(end - start, keptBytes());
    var buffer = ByteBuffer.allocate(Math.toIntExact(length));
    if (start < base) {
      readInto(previous, start - keptStart, Math.min(base - start, length), buffer);
    }
    long fromCurrent = Math.max(start, base);
    readInto(log, fromCurrent - base, start + length - fromCurrent, buffer);
    return new Slice(
        start,
        start + buffer.position(),
        java.util.Arrays.copyOf(buffer.array(), buffer.position()));
  }

  private static void readInto(Path file, long offset, long length, ByteBuffer buffer)
      throws IOException {
    if (length <= 0) {
      return;
    }
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer window = buffer.slice(buffer.position(), Math.toIntExact(length));
      long at = offset;
      int n;
      while (window.hasRemaining() && (n = channel.read(window, at)) > 0) {
        at += n;
      }
      buffer.position(buffer.position() + window.position());
    } catch (NoSuchFileException e) {
      // nothing there (yet)
    }
  }

  private static long size(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      return 0;
    }
  }

  /**
   * Rotates the log when it holds more than {@code maxBytes}: copies it to {@code <log>.1} and
   * truncates it. Returns whether it did.
   */
  public synchronized boolean keepBounded() throws IOException {
    Path copy = log.resolveSibling(log.getFileName() + ".1.tmp");
    long copied = 0;
    try (FileChannel channel =
        FileChannel.open(log, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      if (channel.size() <= maxBytes) {
        return false;
      }
      try (FileChannel target =
          FileChannel.open(
              copy,
              StandardOpenOption.CREATE,
              StandardOpenOption.WRITE,
              StandardOpenOption.TRUNCATE_EXISTING)) {
        // copy up to the end, then again what QEMU appended meanwhile, then truncate at once
        while (copied < channel.size()) {
          copied += channel.transferTo(copied, channel.size() - copied, target);
        }
        channel.truncate(0);
      }
    } catch (NoSuchFileException e) {
      return false;
    }
    Files.move(copy, previous, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    base += copied;
    return true;
  }
}
