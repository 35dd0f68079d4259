package io.qemuoperator.sidecar.http;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * One request and its answer. The answer may be written by any thread, once; until then the
 * connection reads no further request.
 */
public final class ServerExchange {
  private final HttpRequestHead head;
  private final URI target;
  private final InputStream body;
  private final InputStream in;
  private final HttpConnection connection;
  private final Map<String, String> responseHeaders = new LinkedHashMap<>();
  // Completes with whether the connection can carry another request.
  private final CompletableFuture<Boolean> done = new CompletableFuture<>();
  private boolean continued;

  private ServerExchange(
      HttpRequestHead head,
      URI target,
      InputStream body,
      InputStream in,
      HttpConnection connection) {
    this.head = head;
    this.target = target;
    this.body = body;
    this.in = in;
    this.connection = connection;
  }

  /** The exchange for a request head whose body, if any, follows on {@code in}. */
  static ServerExchange of(HttpRequestHead head, InputStream in, HttpConnection connection)
      throws HttpProtocolException {
    URI target;
    try {
      target = new URI(head.target());
    } catch (URISyntaxException e) {
      throw new HttpProtocolException(400, "malformed request target");
    }
    Optional<String> encoding = head.header("Transfer-Encoding");
    Optional<String> length = head.header("Content-Length");
    InputStream body;
    if (encoding.isPresent()) {
      if (!encoding.get().toLowerCase(Locale.ROOT).equals("chunked") || length.isPresent()) {
        throw new HttpProtocolException(501, "only Transfer-Encoding chunked is supported");
      }
      body = new ChunkedInputStream(in);
    } else {
      long bytes;
      try {
        bytes = length.map(String::strip).map(Long::parseLong).orElse(0L);
      } catch (NumberFormatException e) {
        throw new HttpProtocolException(400, "malformed Content-Length");
      }
      if (bytes < 0) {
        throw new HttpProtocolException(400, "malformed Content-Length");
      }
      body = new FixedLengthInputStream(in, bytes);
    }
    return new ServerExchange(head, target, body, in, connection);
  }

  public String method() {
    return head.method();
  }

  /** The decoded path of the request target. */
  public String path() {
    return target.getPath() == null ? "" : target.getPath();
  }

  /** The query as sent (not decoded); null when there is none. */
  public String rawQuery() {
    return target.getRawQuery();
  }

  public Optional<String> header(String name) {
    return head.header(name);
  }

  /** The request body; answers {@code Expect: 100-continue} on first use. */
  public InputStream body() throws IOException {
    if (!continued
        && head.header("Expect").map(e -> e.equalsIgnoreCase("100-continue")).orElse(false)) {
      continued = true;
      connection.writeContinue();
    }
    return body;
  }

  public void responseHeader(String name, String value) {
    responseHeaders.put(name, value);
  }

  /**
   * Writes the answer with a {@code Content-Length}, in one write (without the body for HEAD); the
   * connection closes after it when the client asked so, the request body was not read to its end,
   * or the write failed.
   */
  public void respond(int status, String contentType, byte[] bytes) throws IOException {
    if (done.isDone()) {
      throw new IllegalStateException("already answered");
    }
    boolean reusable = head.keepAlive() && bodyRead();
    responseHeaders.put("Content-Type", contentType);
    boolean written = false;
    try {
      connection.writeResponse(
          status, responseHeaders, bytes, !"HEAD".equals(head.method()), reusable);
      written = true;
    } finally {
      done.complete(written && reusable);
    }
  }

  /**
   * Answers {@code 101 Switching Protocols} with {@code headers} plus the response headers set so
   * far, and hands the connection over to the caller: no further HTTP request is read from it, and
   * it closes once the caller closes the returned connection and the handler returns. Only on the
   * connection's own thread (in the handler, before it returns), and only for a request without a
   * body.
   */
  public UpgradedConnection upgrade(Map<String, String> headers) throws IOException {
    if (done.isDone()) {
      throw new IllegalStateException("already answered");
    }
    if (!bodyRead()) {
      throw new IllegalStateException("an upgrade request carries no body");
    }
    responseHeaders.putAll(headers);
    done.complete(false);
    return connection.writeUpgrade(responseHeaders, in);
  }

  /** Ends the exchange; without an answer the connection closes. Idempotent. */
  public void close() {
    done.complete(false);
  }

  boolean bodyRead() {
    return body instanceof FixedLengthInputStream fixed
        ? fixed.finished()
        : ((ChunkedInputStream) body).finished();
  }

  /** Whether the connection can carry another request, once the answer is written. */
  CompletableFuture<Boolean> done() {
    return done;
  }
}
