package io.qemuoperator.sidecar;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.qemuoperator.sidecar.http.ServerExchange;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serial;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** One HTTP exchange of the sidecar: a capped request body in, a JSON or text answer out. */
final class JsonExchange {
  private final ServerExchange exchange;
  private final ObjectMapper json;
  private volatile boolean deferred;

  JsonExchange(ServerExchange exchange, ObjectMapper json) {
    this.exchange = exchange;
    this.json = json;
  }

  /** The answer is written later, by whoever completes it; the handler must not close now. */
  void defer() {
    deferred = true;
  }

  boolean deferred() {
    return deferred;
  }

  /** Ends the exchange (idempotent). */
  void close() {
    exchange.close();
  }

  /** The HTTP exchange underneath, for an upgrade to another protocol. */
  ServerExchange raw() {
    return exchange;
  }

  String method() {
    return exchange.method();
  }

  String path() {
    return exchange.path();
  }

  Optional<String> header(String name) {
    return exchange.header(name);
  }

  Map<String, String> query() {
    var params = new HashMap<String, String>();
    String raw = exchange.rawQuery();
    if (raw == null || raw.isEmpty()) {
      return params;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      String key = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? "" : pair.substring(eq + 1);
      params.put(
          java.net.URLDecoder.decode(key, java.nio.charset.StandardCharsets.UTF_8),
          java.net.URLDecoder.decode(value, java.nio.charset.StandardCharsets.UTF_8));
    }
    return params;
  }

  /**
   * The request body, or empty when there is none.
   *
   * @throws BodyTooLargeException past {@code limit} bytes (checked against Content-Length first,
   *     then while reading, so a lying or chunked client cannot make the sidecar buffer more)
   */
  byte[] body(int limit) throws IOException, BodyTooLargeException {
    String length = exchange.header("Content-Length").orElse(null);
    if (length != null) {
      try {
        if (Long.parseLong(length.strip()) > limit) {
          throw new BodyTooLargeException();
        }
      } catch (NumberFormatException ignored) {
        // fall through: the streaming check below still applies
      }
    }
    try (InputStream in = exchange.body()) {
      var out = new ByteArrayOutputStream();
      byte[] buffer = new byte[8192];
      int n;
      while ((n = in.read(buffer)) != -1) {
        if (out.size() + n > limit) {
          throw new BodyTooLargeException();
        }
        out.write(buffer, 0, n);
      }
      return out.toByteArray();
    }
  }

  void responseHeader(String name, String value) {
    exchange.responseHeader(name, value);
  }

  /** Answers {@code body}, one of the contract's records, as JSON. */
  void respond(int status, Object body) throws IOException {
    send(status, "application/json", json.writeValueAsBytes(body));
  }

  void respondError(ApiError error) throws IOException {
    if (error.status() == 401) {
      exchange.responseHeader("WWW-Authenticate", "Bearer");
    }
    respond(error.status(), error.body());
  }

  void respondText(int status, String contentType, String text) throws IOException {
    send(status, contentType, text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  void respondBytes(int status, String contentType, byte[] bytes) throws IOException {
    send(status, contentType, bytes);
  }

  private void send(int status, String contentType, byte[] bytes) throws IOException {
    exchange.respond(status, contentType, bytes);
  }

  /** The request body passed the sidecar's cap. */
  static final class BodyTooLargeException extends Exception {
    @Serial private static final long serialVersionUID = 1L;

    BodyTooLargeException() {
      super(null, null, false, false);
    }
  }
}
