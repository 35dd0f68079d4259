package io.qemuoperator.sidecar.console;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The guest's serial console: QEMU's unix socket ({@code -chardev socket,server=on}), which serves
 * one client at a time, and so does this class: {@link #attach()} gives the one attachment until it
 * is closed, nothing to anyone else meanwhile.
 */
public final class SerialConsole {
  private final Path socket;
  private final AtomicBoolean attached = new AtomicBoolean();

  public SerialConsole(Path socket) {
    this.socket = socket;
  }

  public Path socket() {
    return socket;
  }

  /**
   * Connects to QEMU's console, unless a client is attached already (empty then).
   *
   * @throws IOException when QEMU's socket does not answer (QEMU not running); the console stays
   *     free
   */
  public Optional<Attachment> attach() throws IOException {
    if (!attached.compareAndSet(false, true)) {
      return Optional.empty();
    }
    try {
      SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
      try {
        channel.connect(UnixDomainSocketAddress.of(socket));
      } catch (IOException | RuntimeException e) {
        channel.close();
        throw e;
      }
      return Optional.of(new Attachment(channel));
    } catch (IOException | RuntimeException e) {
      attached.set(false);
      throw e;
    }
  }

  /** The one client's connection to QEMU's console; closing it frees the console. */
  public final class Attachment implements AutoCloseable {
    private final SocketChannel channel;
    private final AtomicBoolean closed = new AtomicBoolean();

    private Attachment(SocketChannel channel) {
      this.channel = channel;
    }

    /** The raw serial bytes both ways: reading gives the guest's output, writing types. */
    public SocketChannel channel() {
      return channel;
    }

    @Override
    public void close() {
      if (closed.compareAndSet(false, true)) {
        try {
          channel.close();
        } catch (IOException e) {
          // closing anyway
        } finally {
          attached.set(false);
        }
      }
    }
  }
}
