package io.qemuoperator.bench;

import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The baseline: a minimal blocking QMP client on a unix socket. It writes a command line and reads
 * reply lines, skipping events; no ids, no JSON parsing, no threads. Replies come back in order
 * because one QMP monitor runs its commands one after another.
 */
final class DirectQmp implements AutoCloseable {
  private final SocketChannel channel;
  private byte[] buffer = new byte[64 * 1024];
  private int start;
  private int end;
  private long eventsSkipped;

  private DirectQmp(SocketChannel channel) {
    this.channel = channel;
  }

  /** Connects, reads the greeting and leaves capabilities negotiation mode. */
  static DirectQmp connect(Path socket) throws IOException {
    SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
    channel.connect(UnixDomainSocketAddress.of(socket));
    DirectQmp qmp = new DirectQmp(channel);
    String greeting = qmp.readLine();
    if (!greeting.startsWith("{\"QMP\"")) {
      qmp.close();
      throw new IOException("not a QMP greeting on " + socket + ": " + greeting);
    }
    qmp.execute("qmp_capabilities");
    return qmp;
  }

  /** The line QEMU sends for {@code {"execute": command}}; fails unless it is a return. */
  String execute(String command) throws IOException {
    write(line(command));
    return readReply(command);
  }

  /** Sends all commands in one write, then reads their replies in order. */
  List<String> pipeline(List<String> commands) throws IOException {
    StringBuilder lines = new StringBuilder();
    for (String command : commands) {
      lines.append(line(command));
    }
    write(lines.toString());
    List<String> replies = new ArrayList<>(commands.size());
    for (String command : commands) {
      replies.add(readReply(command));
    }
    return replies;
  }

  /** Events read (and skipped) while waiting for replies. */
  long eventsSkipped() {
    return eventsSkipped;
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }

  private static String line(String command) {
    return "{\"execute\":\"" + command + "\"}\n";
  }

  private void write(String text) throws IOException {
    ByteBuffer out = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
    while (out.hasRemaining()) {
      channel.write(out);
    }
  }

  private String readReply(String command) throws IOException {
    while (true) {
      String reply = readLine();
      if (reply.startsWith("{\"return\"")) {
        return reply;
      }
      if (reply.startsWith("{\"timestamp\"") || reply.startsWith("{\"event\"")) {
        eventsSkipped++;
        continue;
      }
      throw new IOException("QEMU refused " + command + ": " + reply);
    }
  }

  private String readLine() throws IOException {
    int scanned = start;
    while (true) {
      for (int i = scanned; i < end; i++) {
        if (buffer[i] == '\n') {
          String text = new String(buffer, start, i - start, StandardCharsets.UTF_8);
          start = i + 1;
          return text.strip();
        }
      }
      scanned = end - start;
      if (start > 0) {
        System.arraycopy(buffer, start, buffer, 0, end - start);
        end -= start;
        start = 0;
      }
      if (end == buffer.length) {
        buffer = Arrays.copyOf(buffer, buffer.length * 2);
      }
      int read = channel.read(ByteBuffer.wrap(buffer, end, buffer.length - end));
      if (read < 0) {
        throw new EOFException("QMP socket closed by QEMU");
      }
      end += read;
    }
  }
}
