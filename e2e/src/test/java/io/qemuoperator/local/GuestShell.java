package io.qemuoperator.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/**
 * The test guest's root shell on its serial console (ttyS0), reached through QEMU's console socket
 * in the VM pod's folder, as a user at the console would: types a command, reads what it printed.
 * QEMU serves one console client at a time: nobody else (the sidecar's console stream) may be
 * attached meanwhile. The command's output is framed by two markers the shell computes ({@code
 * $((n))}), so the line the terminal echoes back never matches them.
 */
final class GuestShell implements AutoCloseable {
  private final SocketChannel channel;
  private final StringBuffer seen = new StringBuffer();
  private final Thread reader;
  private int commands;

  private GuestShell(SocketChannel channel) {
    this.channel = channel;
    this.reader = Thread.ofVirtual().name("guest-shell").start(this::read);
  }

  static GuestShell attach(Path consoleSocket) throws IOException {
    SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
    channel.connect(UnixDomainSocketAddress.of(consoleSocket));
    return new GuestShell(channel);
  }

  /** Runs {@code command} in the guest's shell; its output (trimmed), within {@code timeout}. */
  String run(String command, Duration timeout) {
    int n = ++commands;
    String begin = "@@begin" + n + "@@";
    String end = "@@end" + n + "@@";
    // $((n)) is expanded by the shell: the echoed input shows "@@begin$((1))@@", the output
    // "@@begin1@@"
    String line = "echo @@begin$((" + n + "))@@; " + command + "; echo @@end$((" + n + "))@@\n";
    try {
      channel.write(ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8)));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot type into the guest's console", e);
    }
    Instant deadline = Instant.now().plus(timeout);
    while (Instant.now().isBefore(deadline)) {
      String text = seen.toString();
      int from = text.lastIndexOf(begin);
      int to = from < 0 ? -1 : text.indexOf(end, from);
      if (to >= 0) {
        return text.substring(from + begin.length(), to).replace("\r", "").strip();
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
    }
    String text = seen.toString();
    throw new AssertionError(
        "the guest did not answer `"
            + command
            + "` within "
            + timeout
            + "; the console's end:\n"
            + text.substring(Math.max(0, text.length() - 1500)));
  }

  /** A number the command printed (its whole output). */
  long number(String command, Duration timeout) {
    String out = run(command, timeout);
    try {
      return Long.parseLong(out.lines().reduce((a, b) -> b).orElse("").strip());
    } catch (NumberFormatException e) {
      throw new AssertionError("`" + command + "` printed no number: " + out, e);
    }
  }

  private void read() {
    ByteBuffer buffer = ByteBuffer.allocate(4096);
    try {
      while (channel.read(buffer) >= 0) {
        buffer.flip();
        seen.append(StandardCharsets.UTF_8.decode(buffer));
        buffer.clear();
      }
    } catch (IOException closed) {
      // the console went away (QEMU ended) or close() was called
    }
  }

  @Override
  public void close() throws IOException {
    channel.close();
    try {
      reader.join(Duration.ofSeconds(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
