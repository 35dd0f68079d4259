package io.qemuoperator.sidecar.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qemuoperator.testing.AcceptLoop;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A unix socket server that speaks as QEMU's socket of the guest agent's port with {@code qemu-ga}
 * behind it: JSON commands in, one per line, {@code 0xFF} dropping partial input; answers as the
 * agent writes them ({@code 0xFF} before the answer to {@code guest-sync-delimited}). It can stop
 * answering (and answer what it held back later, late), write stale bytes before its next answer,
 * and drop the connection.
 */
final class FakeGuestAgent implements AutoCloseable {
  private final ServerSocketChannel server;
  private final ObjectMapper json = new ObjectMapper();
  private final AtomicBoolean silent = new AtomicBoolean();
  private final AtomicReference<String> staleBytes = new AtomicReference<>();
  private final AtomicReference<String> hostname = new AtomicReference<>("fake-guest");
  private final List<String> received = new CopyOnWriteArrayList<>();
  private final List<JsonNode> heldBack = new ArrayList<>();
  private final AtomicReference<SocketChannel> client = new AtomicReference<>();
  private final Thread acceptor;

  FakeGuestAgent(Path socket) throws IOException {
    server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket));
    acceptor =
        AcceptLoop.start(
            "fake-guest-agent",
            () -> {
              SocketChannel channel = server.accept();
              client.set(channel);
              return channel;
            },
            this::serve);
  }

  /** Stops answering (true), or answers again (false), first what it held back, late. */
  void silent(boolean value) throws IOException {
    silent.set(value);
    if (!value) {
      synchronized (heldBack) {
        for (JsonNode command : heldBack) {
          answer(command);
        }
        heldBack.clear();
      }
    }
  }

  /** The guest's host name from now on (cloud-init set it). */
  void hostname(String name) {
    hostname.set(name);
  }

  /** Writes these bytes (half a message, a stale answer) before its next answer. */
  void staleBeforeNextAnswer(String bytes) {
    staleBytes.set(bytes);
  }

  /** Drops the connection (as QEMU does when it stops); the next client is accepted. */
  void disconnect() throws IOException {
    SocketChannel channel = client.getAndSet(null);
    if (channel != null) {
      channel.close();
    }
  }

  /** The commands ({@code execute}) received, in order. */
  List<String> received() {
    return List.copyOf(received);
  }

  private void serve(SocketChannel channel) {
    var line = new ByteArrayOutputStream();
    try (InputStream in = Channels.newInputStream(channel)) {
      int b;
      while ((b = in.read()) >= 0) {
        if (b == 0xFF) {
          line.reset();
        } else if (b == '\n') {
          JsonNode command = json.readTree(line.toString(StandardCharsets.UTF_8));
          line.reset();
          received.add(command.path("execute").asText());
          synchronized (heldBack) {
            if (silent.get()) {
              heldBack.add(command);
            } else {
              answer(command);
            }
          }
        } else {
          line.write(b);
        }
      }
    } catch (IOException e) {
      // the client or the test closed the connection
    }
  }

  private void answer(JsonNode command) throws IOException {
    SocketChannel channel = client.get();
    if (channel == null) {
      return;
    }
    var out = new ByteArrayOutputStream();
    String stale = staleBytes.getAndSet(null);
    if (stale != null) {
      out.writeBytes(stale.getBytes(StandardCharsets.UTF_8));
    }
    String execute = command.path("execute").asText();
    String answer =
        switch (execute) {
          case "guest-sync-delimited" -> {
            out.write(0xFF);
            yield "{\"return\": " + command.path("arguments").path("id").asLong() + "}";
          }
          case "guest-ping" -> "{\"return\": {}}";
          case "guest-info" ->
              "{\"return\": {\"version\": \"7.2.15\", \"supported_commands\": []}}";
          case "guest-get-osinfo" ->
              "{\"return\": {\"name\": \"Debian GNU/Linux\", \"version\": \"12 (bookworm)\","
                  + " \"pretty-name\": \"Debian GNU/Linux 12 (bookworm)\", \"id\": \"debian\","
                  + " \"kernel-release\": \"6.1.0-28-cloud-amd64\", \"machine\": \"x86_64\"}}";
          case "guest-get-host-name" -> "{\"return\": {\"host-name\": \"" + hostname.get() + "\"}}";
          default ->
              "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command "
                  + execute
                  + " has not been found\"}}";
        };
    out.writeBytes((answer + "\n").getBytes(StandardCharsets.UTF_8));
    try {
      OutputStream stream = Channels.newOutputStream(channel);
      stream.write(out.toByteArray());
      stream.flush();
    } catch (IOException e) {
      // the client went away
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    disconnect();
    acceptor.interrupt();
  }
}
