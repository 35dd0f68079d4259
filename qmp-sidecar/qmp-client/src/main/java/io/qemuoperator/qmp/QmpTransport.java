package io.qemuoperator.qmp;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The byte layer of QMP: a blocking unix-domain socket carrying newline-delimited JSON. Reads
 * happen on one thread (the session's reader); writes are serialized. Lines longer than {@code
 * maxLineBytes} are refused. Closing from any thread unblocks a pending read or connect.
 */
final class QmpTransport implements AutoCloseable {
  private static final int READ_CHUNK = 64 * 1024;
  private static final int KEEP_LINE_BUFFER = 64 * 1024;

  private final SocketChannel channel;
  private final int maxLineBytes;
  private final ByteBuffer readBuffer = ByteBuffer.allocate(READ_CHUNK).flip();
  private final ReentrantLock writeLock = new ReentrantLock();
  private byte[] line;
  private int lineLength;

  QmpTransport(int maxLineBytes) throws IOException {
    this.channel = SocketChannel.open(StandardProtocolFamily.UNIX);
    this.maxLineBytes = maxLineBytes;
    this.line = new byte[1024];
  }

  /** Connects (blocking); {@link #close()} from another thread aborts it. */
  void connect(Path socket) throws IOException {
    channel.connect(UnixDomainSocketAddress.of(socket));
  }

  /**
   * The next line without its newline, or null at end of stream.
   *
   * @throws QmpProtocolException when the line grows past the cap before its newline
   */
  byte[] readLine() throws IOException, QmpProtocolException {
    while (true) {
      while (readBuffer.hasRemaining()) {
        byte b = readBuffer.get();
        if (b == '\n') {
          byte[] result = Arrays.copyOf(line, lineLength);
          lineLength = 0;
          if (line.length > KEEP_LINE_BUFFER) {
            line = new byte[1024];
          }
          return result;
        }
        if (lineLength == maxLineBytes) {
          throw new QmpProtocolException(
              "QMP line exceeds the limit of " + maxLineBytes + " bytes without a newline");
        }
        if (lineLength == line.length) {
          line = Arrays.copyOf(line, (int) Math.min(maxLineBytes, 2L * line.length));
        }
        line[lineLength++] = b;
      }
      readBuffer.clear();
      int n = channel.read(readBuffer);
      readBuffer.flip();
      if (n < 0) {
        return null;
      }
    }
  }

  /** Writes one message followed by a newline; concurrent writers are serialized. */
  void writeLine(byte[] message) throws IOException {
    ByteBuffer[] buffers = {ByteBuffer.wrap(message), ByteBuffer.wrap(new byte[] {'\n'})};
    writeLock.lock();
    try {
      while (buffers[1].hasRemaining()) {
        channel.write(buffers);
      }
    } finally {
      writeLock.unlock();
    }
  }

  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException e) {
      // Closing a unix socket does not fail in a way we could act on.
    }
  }
}
