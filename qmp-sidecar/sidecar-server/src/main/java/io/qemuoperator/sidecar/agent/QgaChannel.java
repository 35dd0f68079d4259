package io.qemuoperator.sidecar.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One connection to QEMU's socket of the guest agent's virtio-serial port: JSON messages both ways,
 * one per line, as the agent speaks them. A reader thread splits what comes in into messages; a
 * {@code 0xFF} byte (the agent writes one before its answer to {@code guest-sync-delimited}) drops
 * whatever partial message came before it, so a half-written answer from an earlier agent never
 * reaches the caller. A line that is not JSON is dropped too.
 */
final class QgaChannel implements AutoCloseable {
  /** The agent's resynchronisation sentinel: never part of JSON text (not valid UTF-8). */
  static final int SENTINEL = 0xFF;

  /** A message longer than this is dropped (the agent's answers here are a few hundred bytes). */
  private static final int MAX_MESSAGE_BYTES = 1 << 20;

  private static final Object END = new Object();

  private final SocketChannel channel;
  private final OutputStream out;
  private final ObjectMapper json;
  private final BlockingQueue<Object> messages = new LinkedBlockingQueue<>();
  private final Thread reader;

  private QgaChannel(SocketChannel channel, ObjectMapper json) {
    this.channel = channel;
    this.out = Channels.newOutputStream(channel);
    this.json = json;
    InputStream in = new java.io.BufferedInputStream(Channels.newInputStream(channel));
    this.reader = Thread.ofVirtual().name("guest-agent-reader").start(() -> read(in));
  }

  /** Connects to QEMU's socket; throws when nothing listens there (QEMU not running). */
  static QgaChannel connect(Path socket, ObjectMapper json) throws IOException {
    SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      channel.connect(UnixDomainSocketAddress.of(socket));
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
    return new QgaChannel(channel, json);
  }

  /**
   * Sends one command, preceded by {@code 0xFF} when {@code flush}: the agent then drops any
   * partial input it holds (a command an earlier client left half-written).
   */
  void send(JsonNode command, boolean flush) throws IOException {
    var bytes = new ByteArrayOutputStream();
    if (flush) {
      bytes.write(SENTINEL);
    }
    bytes.write(json.writeValueAsBytes(command));
    bytes.write('\n');
    synchronized (out) {
      out.write(bytes.toByteArray());
      out.flush();
    }
  }

  /**
   * The next message, waiting at most {@code timeout}; empty when none came in time.
   *
   * @throws IOException when the connection ended (QEMU closed the socket)
   */
  Optional<JsonNode> next(Duration timeout) throws IOException, InterruptedException {
    Object message = messages.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
    if (message == null) {
      return Optional.empty();
    }
    if (message == END) {
      messages.offer(END);
      throw new IOException("QEMU closed the guest agent's socket");
    }
    return Optional.of((JsonNode) message);
  }

  private void read(InputStream in) {
    var line = new ByteArrayOutputStream();
    try (in) {
      int b;
      while ((b = in.read()) >= 0) {
        if (b == SENTINEL) {
          line.reset();
        } else if (b == '\n') {
          parse(line.toByteArray()).ifPresent(messages::offer);
          line.reset();
        } else if (line.size() < MAX_MESSAGE_BYTES) {
          line.write(b);
        }
      }
    } catch (IOException e) {
      // the connection ended: reported below
    } finally {
      messages.offer(END);
    }
  }

  private Optional<JsonNode> parse(byte[] line) {
    String text = new String(line, StandardCharsets.UTF_8).strip();
    if (text.isEmpty()) {
      return Optional.empty();
    }
    try {
      JsonNode node = json.readTree(text);
      return node != null && node.isObject() ? Optional.of(node) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException e) {
      // closing anyway
    }
    reader.interrupt();
  }
}
