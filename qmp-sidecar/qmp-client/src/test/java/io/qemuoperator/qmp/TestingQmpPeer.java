package io.qemuoperator.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qemuoperator.testing.AcceptLoop;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A scripted QMP server on a unix socket, for protocol cases real QEMU cannot be made to produce
 * quickly (over-long lines, an error without an id). It sends a 7.2-shaped greeting, answers {@code
 * qmp_capabilities}, and answers other commands with the lines the script returns; a {@link
 * #HANG_UP} line closes the connection instead.
 */
final class TestingQmpPeer implements AutoCloseable {
  static final String GREETING =
      "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 22, \"minor\": 2, \"major\": 7},"
          + " \"package\": \"testing-peer\"}, \"capabilities\": [\"oob\"]}}";

  /** A line of the script that makes the peer close the connection. */
  static final String HANG_UP = "<hang up>";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path dir;
  private final Path socket;
  private final ServerSocketChannel server;
  private final Function<JsonNode, List<String>> script;
  private final AtomicInteger connections = new AtomicInteger();
  private final Thread acceptor;

  /** {@code script} maps a command message to the raw lines to send back. */
  TestingQmpPeer(Function<JsonNode, List<String>> script) throws IOException {
    this.script = script;
    this.dir = Files.createTempDirectory("qmp-peer-");
    this.socket = dir.resolve("qmp.sock");
    this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket));
    this.acceptor =
        AcceptLoop.start(
            "testing-qmp-peer",
            () -> {
              SocketChannel channel = server.accept();
              connections.incrementAndGet();
              return channel;
            },
            this::serve);
  }

  Path socket() {
    return socket;
  }

  int connections() {
    return connections.get();
  }

  static String reply(JsonNode command, String returnJson) {
    return "{\"return\": " + returnJson + ", \"id\": " + command.get("id") + "}";
  }

  private void serve(SocketChannel channel) {
    try (channel) {
      var in =
          new BufferedReader(
              new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
      send(channel, GREETING);
      String line;
      while ((line = in.readLine()) != null) {
        JsonNode command = JSON.readTree(line);
        if (command.path("execute").asText().equals("qmp_capabilities")) {
          send(channel, reply(command, "{}"));
        } else {
          for (String out : script.apply(command)) {
            if (out.equals(HANG_UP)) {
              return;
            }
            send(channel, out);
          }
        }
      }
    } catch (IOException e) {
      // The client went away.
    }
  }

  private static void send(SocketChannel channel, String line) throws IOException {
    ByteBuffer bytes = ByteBuffer.wrap((line + "\r\n").getBytes(StandardCharsets.UTF_8));
    while (bytes.hasRemaining()) {
      channel.write(bytes);
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    try {
      acceptor.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Files.deleteIfExists(socket);
    Files.deleteIfExists(dir);
  }
}
