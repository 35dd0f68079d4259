package io.qemuoperator.operator.sidecar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.qemuoperator.operator.OperatorMetrics;
import io.qemuoperator.testing.AcceptLoop;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the client sends again when a sidecar fails on the way, on a stand-in that drops the
 * connection or never answers, as a sidecar killed mid-command or a hung one does: a call that may
 * be repeated is asked again, an action is sent once and its outcome is unknown (issue 18: the
 * operator observes QEMU before it sends anything again).
 */
class SidecarClientTest {
  private static final Duration DEADLINE = Duration.ofMillis(500);

  private FailingSidecar sidecar;
  private SidecarClient client;
  private SidecarEndpoint endpoint;

  @BeforeEach
  void start() throws IOException {
    sidecar = new FailingSidecar();
    client =
        new SidecarClient(
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build(),
            DEADLINE,
            new OperatorMetrics(new io.micrometer.core.instrument.simple.SimpleMeterRegistry()));
    endpoint = SidecarEndpoint.of("127.0.0.1", sidecar.port(), "token");
  }

  @AfterEach
  void stop() throws IOException {
    sidecar.close();
  }

  @Test
  void anActionWhoseConnectionDropsBeforeTheAnswerIsSentOnce() {
    sidecar.next(Reply.DROP, Reply.ANSWER);

    assertThatThrownBy(() -> client.command(endpoint, "stop", null))
        .isInstanceOfSatisfying(
            SidecarException.class,
            e -> {
              assertThat(e.isTransient()).isTrue();
              assertThat(e.errorClass()).isEqualTo("Unreachable");
              assertThat(e.desc()).contains("outcome unknown");
            });
    assertThat(sidecar.requests()).containsExactly("POST /v1/commands/stop");
  }

  @Test
  void anActionLeftUnansweredPastTheDeadlineIsSentOnce() {
    sidecar.next(Reply.SILENCE, Reply.ANSWER);

    assertThatThrownBy(() -> client.command(endpoint, "stop", null))
        .isInstanceOfSatisfying(
            SidecarException.class,
            e -> {
              assertThat(e.isTransient()).isTrue();
              assertThat(e.desc()).contains("outcome unknown");
            });
    assertThat(sidecar.requests()).containsExactly("POST /v1/commands/stop");
  }

  @Test
  void aMigrationStartWhoseConnectionDropsIsSentOnce() {
    sidecar.next(Reply.DROP, Reply.ANSWER);

    assertThatThrownBy(
            () ->
                client.migrateIncoming(
                    endpoint, new io.qemuoperator.sidecar.api.IncomingMigration("::", 4444)))
        .isInstanceOf(SidecarException.class);
    assertThat(sidecar.requests()).containsExactly("POST /v1/migration/incoming");
  }

  @Test
  void aRepeatableCallWhoseConnectionDropsIsAskedAgain() throws Exception {
    sidecar.next(Reply.DROP, Reply.ANSWER);

    client.cancelMigration(endpoint); // migrate_cancel: the same outcome however often

    assertThat(sidecar.requests())
        .containsExactly("POST /v1/migration/cancel", "POST /v1/migration/cancel");
  }

  @Test
  void anActionToASidecarThatDoesNotListenIsUnreachableWithNothingSent() throws IOException {
    // A port held bound but not listening refuses every connection, and no other socket gets it
    // meanwhile (a closed stand-in's port could be taken by the next one).
    try (Socket bound = new Socket()) {
      bound.setReuseAddress(false);
      bound.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      var notListening = SidecarEndpoint.of("127.0.0.1", bound.getLocalPort(), "token");

      assertThatThrownBy(() -> client.command(notListening, "stop", null))
          .isInstanceOfSatisfying(
              SidecarException.class,
              e -> {
                assertThat(e.isTransient()).isTrue();
                assertThat(e.desc()).doesNotContain("outcome unknown");
              });
    }
  }

  /** What the stand-in does with a request it has read whole. */
  private enum Reply {
    /** Closes the connection without an answer, as a sidecar killed mid-request. */
    DROP,
    /** Keeps the connection and never answers, as a sidecar waiting on a hung QEMU. */
    SILENCE,
    /** Answers 200 with an empty {@code return}. */
    ANSWER
  }

  /**
   * A sidecar stand-in on a loopback port: reads each request (head and body), records its method
   * and path, then replies as told, request by request ({@link Reply#ANSWER} when told nothing).
   */
  private static final class FailingSidecar implements AutoCloseable {
    private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final ConcurrentLinkedDeque<Reply> replies = new ConcurrentLinkedDeque<>();
    private final List<Socket> connections = new CopyOnWriteArrayList<>();

    FailingSidecar() throws IOException {
      AcceptLoop.start(
          "failing-sidecar",
          () -> {
            Socket connection = server.accept();
            connections.add(connection);
            return connection;
          },
          this::serve);
    }

    int port() {
      return server.getLocalPort();
    }

    void next(Reply... next) {
      replies.addAll(List.of(next));
    }

    List<String> requests() {
      return List.copyOf(requests);
    }

    private void serve(Socket connection) {
      try (connection) {
        InputStream in = new BufferedInputStream(connection.getInputStream());
        while (true) {
          String head = readHead(in);
          if (head == null) {
            return;
          }
          in.readNBytes(contentLength(head));
          String[] requestLine = head.lines().findFirst().orElseThrow().split(" ");
          requests.add(requestLine[0] + " " + requestLine[1]);
          Reply reply = replies.isEmpty() ? Reply.ANSWER : replies.removeFirst();
          switch (reply) {
            case DROP -> {
              return;
            }
            case SILENCE -> in.read(); // until the client gives up and closes
            case ANSWER -> {
              byte[] body = "{\"return\":{}}".getBytes(StandardCharsets.UTF_8);
              connection
                  .getOutputStream()
                  .write(
                      ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                              + body.length
                              + "\r\n\r\n")
                          .getBytes(StandardCharsets.US_ASCII));
              connection.getOutputStream().write(body);
              connection.getOutputStream().flush();
            }
          }
        }
      } catch (IOException gone) {
        // the client closed its end
      }
    }

    /** The request head up to its blank line; null at the end of the stream. */
    private static String readHead(InputStream in) throws IOException {
      var head = new ByteArrayOutputStream();
      int matched = 0;
      int b;
      while ((b = in.read()) >= 0) {
        head.write(b);
        matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
        if (matched == 4) {
          return head.toString(StandardCharsets.US_ASCII);
        }
      }
      return null;
    }

    private static int contentLength(String head) {
      return head.lines()
          .filter(l -> l.toLowerCase(Locale.ROOT).startsWith("content-length:"))
          .map(l -> Integer.parseInt(l.substring(l.indexOf(':') + 1).strip()))
          .findFirst()
          .orElse(0);
    }

    @Override
    public void close() throws IOException {
      server.close();
      for (Socket connection : connections) {
        connection.close();
      }
    }
  }
}
