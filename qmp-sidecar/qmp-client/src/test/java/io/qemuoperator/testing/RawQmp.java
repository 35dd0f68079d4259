package io.qemuoperator.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A tiny, blocking QMP peer for tests, independent of the client under test: plain socket and
 * Jackson. Events that arrive while waiting for a reply are skipped.
 */
public final class RawQmp implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final SocketChannel channel;
  private final BufferedReader in;
  private final JsonNode greeting;
  private long nextId;

  private RawQmp(SocketChannel channel) throws IOException {
    this.channel = channel;
    this.in =
        new BufferedReader(
            new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
    this.greeting = readMessage();
  }

  /** Connects, reads the greeting and sends {@code qmp_capabilities}. */
  public static RawQmp connect(Path socket) {
    try {
      SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
      channel.connect(UnixDomainSocketAddress.of(socket));
      var qmp = new RawQmp(channel);
      JsonNode reply = qmp.execute("qmp_capabilities", null);
      if (!reply.has("return")) {
        throw new IllegalStateException("negotiation failed: " + reply);
      }
      return qmp;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public JsonNode greeting() {
    return greeting;
  }

  /** Sends a command and returns QEMU's whole reply object ({@code return} or {@code error}). */
  public JsonNode execute(String command, String argumentsJson) {
    try {
      String id = "raw-" + ++nextId;
      ObjectNode message = JSON.createObjectNode().put("execute", command).put("id", id);
      if (argumentsJson != null) {
        message.set("arguments", JSON.readTree(argumentsJson));
      }
      channel.write(ByteBuffer.wrap((JSON.writeValueAsString(message) + "\n").getBytes()));
      while (true) {
        JsonNode reply = readMessage();
        if (id.equals(reply.path("id").asText(null))) {
          return reply;
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code query-status}'s {@code status}, for example {@code prelaunch} or {@code running}. */
  public String runState() {
    return execute("query-status", null).path("return").path("status").asText();
  }

  private JsonNode readMessage() throws IOException {
    String line = in.readLine();
    if (line == null) {
      throw new IOException("QMP connection closed");
    }
    return JSON.readTree(line);
  }

  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException e) {
      // nothing to do
    }
  }
}
