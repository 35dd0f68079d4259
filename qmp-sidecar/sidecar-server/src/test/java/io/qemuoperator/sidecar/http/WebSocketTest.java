package io.qemuoperator.sidecar.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The server end of a WebSocket, against the JDK's client (an independent implementation). */
class WebSocketTest {
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
  private HttpListener listener;

  @AfterEach
  void close() {
    if (listener != null) {
      listener.close();
    }
    timer.shutdownNow();
  }

  /** Echoes every data frame back as binary until the client closes. */
  private void echo(ServerExchange exchange) {
    try {
      if (WebSocket.refusal(exchange).isPresent()) {
        exchange.respond(
            426, "text/plain", WebSocket.refusal(exchange).get().getBytes(StandardCharsets.UTF_8));
        return;
      }
      WebSocket socket =
          WebSocket.accept(exchange, timer, Duration.ofSeconds(5), Duration.ofSeconds(10));
      try {
        while (socket.read() instanceof WebSocket.Incoming.Data data) {
          socket.sendBinary(data.bytes(), 0, data.bytes().length);
        }
      } finally {
        socket.abort();
      }
    } catch (IOException e) {
      exchange.close();
    }
  }

  private URI start() throws IOException {
    listener = HttpListener.bind(new InetSocketAddress("127.0.0.1", 0), 16, 4, this::echo);
    listener.start();
    return URI.create("ws://127.0.0.1:" + listener.address().getPort() + "/echo");
  }

  /** Collects binary messages and the close. */
  private static final class Collector implements java.net.http.WebSocket.Listener {
    final ByteArrayOutputStream received = new ByteArrayOutputStream();
    final CompletableFuture<Integer> closed = new CompletableFuture<>();

    @Override
    public synchronized CompletionStage<?> onBinary(
        java.net.http.WebSocket webSocket, ByteBuffer data, boolean last) {
      byte[] bytes = new byte[data.remaining()];
      data.get(bytes);
      received.writeBytes(bytes);
      webSocket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(
        java.net.http.WebSocket webSocket, int statusCode, String reason) {
      closed.complete(statusCode);
      return null;
    }

    @Override
    public void onError(java.net.http.WebSocket webSocket, Throwable error) {
      closed.completeExceptionally(error);
    }

    synchronized String text() {
      return received.toString(StandardCharsets.UTF_8);
    }
  }

  @Test
  void theAcceptKeyIsRfc6455s() {
    assertThat(WebSocket.acceptKey("dGhlIHNhbXBsZSBub25jZQ=="))
        .isEqualTo("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  }

  @Test
  void framesGoBothWaysAndTheCloseIsAnswered() throws Exception {
    var collector = new Collector();
    java.net.http.WebSocket socket =
        HttpClient.newHttpClient()
            .newWebSocketBuilder()
            .buildAsync(start(), collector)
            .get(10, TimeUnit.SECONDS);

    socket.sendText("hello ", true).get(5, TimeUnit.SECONDS);
    byte[] large = "x".repeat(70_000 / 2).getBytes(StandardCharsets.UTF_8); // a 16-bit length
    socket.sendBinary(ByteBuffer.wrap(large), true).get(5, TimeUnit.SECONDS);
    socket.sendPing(ByteBuffer.wrap(new byte[] {1})).get(5, TimeUnit.SECONDS);
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> collector.text().length() == 6 + large.length);
    assertThat(collector.text()).startsWith("hello xxx");

    socket.sendClose(java.net.http.WebSocket.NORMAL_CLOSURE, "bye").get(5, TimeUnit.SECONDS);
    assertThat(collector.closed.get(10, TimeUnit.SECONDS)).isEqualTo(1000);
  }

  @Test
  void aFrameOverTheCapClosesWith1009() throws Exception {
    var collector = new Collector();
    java.net.http.WebSocket socket =
        HttpClient.newHttpClient()
            .newWebSocketBuilder()
            .buildAsync(start(), collector)
            .get(10, TimeUnit.SECONDS);

    socket.sendBinary(ByteBuffer.allocate(WebSocket.MAX_FRAME_BYTES + 1), true);

    assertThat(collector.closed.get(10, TimeUnit.SECONDS)).isEqualTo(WebSocket.MESSAGE_TOO_BIG);
  }

  @Test
  void aPlainRequestIsNoHandshake() throws Exception {
    URI uri = start();
    var response =
        HttpClient.newHttpClient()
            .send(
                java.net.http.HttpRequest.newBuilder(
                        URI.create(uri.toString().replace("ws:", "http:")))
                    .build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(426);
    assertThat(response.body()).contains("Upgrade: websocket");
  }

  @Test
  void theJdkClientSeesARefusedHandshakesStatus() throws Exception {
    listener =
        HttpListener.bind(
            new InetSocketAddress("127.0.0.1", 0),
            16,
            4,
            exchange -> {
              try {
                exchange.respond(409, "application/json", "{}".getBytes(StandardCharsets.UTF_8));
              } catch (IOException e) {
                exchange.close();
              }
            });
    listener.start();
    URI uri = URI.create("ws://127.0.0.1:" + listener.address().getPort() + "/busy");

    assertThatThrownBy(
            () ->
                HttpClient.newHttpClient()
                    .newWebSocketBuilder()
                    .buildAsync(uri, new Collector())
                    .get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(WebSocketHandshakeException.class)
        .satisfies(
            e ->
                assertThat(((WebSocketHandshakeException) e).getResponse().statusCode())
                    .isEqualTo(409));
  }
}
