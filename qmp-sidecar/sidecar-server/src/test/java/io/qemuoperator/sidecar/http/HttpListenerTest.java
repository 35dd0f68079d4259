package io.qemuoperator.sidecar.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HttpListenerTest {
  private HttpListener listener;

  @AfterEach
  void close() {
    if (listener != null) {
      listener.close();
    }
  }

  private int start(Consumer<ServerExchange> handler) throws IOException {
    listener = HttpListener.bind(new InetSocketAddress("127.0.0.1", 0), 16, 4, handler);
    listener.start();
    return listener.address().getPort();
  }

  /** Answers with the method, path, query and body it read. */
  private static void echo(ServerExchange exchange) {
    try {
      byte[] body = exchange.body().readAllBytes();
      String text =
          exchange.method()
              + " "
              + exchange.path()
              + " "
              + exchange.rawQuery()
              + " "
              + new String(body, StandardCharsets.UTF_8);
      exchange.respond(200, "text/plain", text.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      exchange.close();
    }
  }

  /** Sends raw bytes, half-closes, and returns everything the server wrote until it closed. */
  private static String exchange(int port, String request) throws IOException {
    try (var socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
      socket.shutdownOutput();
      InputStream in = socket.getInputStream();
      var out = new ByteArrayOutputStream();
      in.transferTo(out);
      return out.toString(StandardCharsets.UTF_8);
    }
  }

  @Test
  void keepAliveRequestsAreAnsweredInOrderWithLengths() throws Exception {
    int port = start(HttpListenerTest::echo);
    String answers =
        exchange(
            port,
            "POST /a%20b?x=1&y=%2F HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello"
                + "GET /second HTTP/1.1\r\nHost: h\r\n\r\n");
    assertThat(answers)
        .startsWith("HTTP/1.1 200 OK\r\n")
        .contains("Content-Length: 25\r\n", "\r\n\r\nPOST /a b x=1&y=%2F hello")
        .contains("Date: ")
        .endsWith("GET /second null ");
    assertThat(answers.indexOf("HTTP/1.1 200")).isLessThan(answers.lastIndexOf("HTTP/1.1 200"));
  }

  @Test
  void headAnswersCarryTheLengthButNoBody() throws Exception {
    int port = start(HttpListenerTest::echo);
    String answers =
        exchange(port, "HEAD /h HTTP/1.1\r\n\r\nGET /g HTTP/1.1\r\nConnection: close\r\n\r\n");
    assertThat(answers)
        .startsWith("HTTP/1.1 200 OK\r\n")
        .contains("Content-Length: 13\r\n")
        .doesNotContain("HEAD /h")
        .endsWith("GET /g null ");
  }

  @Test
  void chunkedBodiesAreDecoded() throws Exception {
    int port = start(HttpListenerTest::echo);
    String answer =
        exchange(
            port,
            "POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                + "3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nTrailer: x\r\n\r\n");
    assertThat(answer).contains("Connection: close\r\n").endsWith("POST /c null abcde");
  }

  @Test
  void aDeferredAnswerFromAnotherThreadComesBeforeTheNextRequestsAnswer() throws Exception {
    var first = new CompletableFuture<ServerExchange>();
    int port =
        start(
            exchange -> {
              if (exchange.path().equals("/later") && !first.isDone()) {
                first.complete(exchange); // answered below, from the test thread
              } else {
                echo(exchange);
              }
            });
    try (var socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      socket
          .getOutputStream()
          .write(
              "GET /later HTTP/1.1\r\n\r\nGET /next HTTP/1.1\r\nConnection: close\r\n\r\n"
                  .getBytes(StandardCharsets.US_ASCII));
      ServerExchange deferred = first.get();
      Thread.ofPlatform()
          .start(
              () -> {
                try {
                  deferred.respond(200, "text/plain", "first".getBytes(StandardCharsets.UTF_8));
                } catch (IOException e) {
                  throw new IllegalStateException(e);
                }
              })
          .join();
      String answers = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(answers.indexOf("first")).isPositive().isLessThan(answers.indexOf("GET /next"));
    }
  }

  @Test
  void malformedRequestsGet400AndTheConnectionCloses() throws Exception {
    int port = start(HttpListenerTest::echo);
    assertThat(exchange(port, "NONSENSE\r\n\r\n"))
        .startsWith("HTTP/1.1 400 ")
        .contains("Connection: close");
    assertThat(exchange(port, "GET / HTTP/1.1\r\nno colon here\r\n\r\n"))
        .startsWith("HTTP/1.1 400 ");
    assertThat(exchange(port, "POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n"))
        .startsWith("HTTP/1.1 400 ");
    assertThat(exchange(port, "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n"))
        .startsWith("HTTP/1.1 501 ");
    assertThat(exchange(port, "GET /" + "a".repeat(20_000) + " HTTP/1.1\r\n\r\n"))
        .startsWith("HTTP/1.1 431 ");
  }

  @Test
  void anUnreadBodyClosesTheConnectionAfterTheAnswer() throws Exception {
    int port =
        start(
            exchange -> {
              try {
                exchange.respond(413, "text/plain", new byte[0]); // body left unread
              } catch (IOException e) {
                exchange.close();
              }
            });
    String answers =
        exchange(port, "POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcGET / HTTP/1.1\r\n\r\n");
    assertThat(answers).startsWith("HTTP/1.1 413 ").contains("Connection: close");
    assertThat(answers.indexOf("HTTP/1.1", 1)).isEqualTo(-1);
  }

  @Test
  void expectContinueIsAnsweredBeforeTheBodyIsRead() throws Exception {
    int port = start(HttpListenerTest::echo);
    assertThat(
            exchange(
                port,
                "PUT /e HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n"
                    + "Connection: close\r\n\r\nok"))
        .startsWith("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n")
        .endsWith("PUT /e null ok");
  }
}
