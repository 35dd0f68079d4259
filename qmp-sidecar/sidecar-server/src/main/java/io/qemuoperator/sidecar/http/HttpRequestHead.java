package io.qemuoperator.sidecar.http;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The request line and header fields of one HTTP/1.1 request.
 *
 * @param headers field names in lower case, values in arrival order
 */
public record HttpRequestHead(
    String method, String target, String version, Map<String, List<String>> headers) {

  /** The first value of a header field (name in any case). */
  public Optional<String> header(String name) {
    List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
    return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.getFirst());
  }

  /** Whether the connection stays open after this exchange (HTTP/1.1 unless "close"). */
  boolean keepAlive() {
    String connection = header("Connection").orElse("").toLowerCase(Locale.ROOT);
    return "HTTP/1.1".equals(version) ? !connection.contains("close") : false;
  }

  /**
   * Reads a request head of at most {@code maxBytes}; empty at a clean end of stream before the
   * first byte.
   *
   * @throws HttpProtocolException on a malformed or over-long head
   */
  static Optional<HttpRequestHead> read(InputStream in, int maxBytes) throws IOException {
    var lines = new ArrayList<String>();
    var line = new StringBuilder();
    int total = 0;
    while (true) {
      int c = in.read();
      if (c < 0) {
        if (total == 0) {
          return Optional.empty();
        }
        throw new HttpProtocolException(400, "request head ends early");
      }
      if (++total > maxBytes) {
        throw new HttpProtocolException(431, "request head over " + maxBytes + " bytes");
      }
      if (c == '\n') {
        int end = line.length() > 0 && line.charAt(line.length() - 1) == '\r' ? 1 : 0;
        String text = line.substring(0, line.length() - end);
        line.setLength(0);
        if (text.isEmpty()) {
          if (lines.isEmpty()) {
            continue; // tolerated: empty lines before the request line (RFC 9112 §2.2)
          }
          return Optional.of(parse(lines));
        }
        lines.add(text);
      } else {
        line.append((char) c);
      }
    }
  }

  private static HttpRequestHead parse(List<String> lines) throws HttpProtocolException {
    String[] request = lines.getFirst().split(" ", -1);
    if (request.length != 3 || request[0].isEmpty() || !request[2].startsWith("HTTP/1.")) {
      throw new HttpProtocolException(400, "malformed request line");
    }
    Map<String, List<String>> headers = new TreeMap<>();
    for (String field : lines.subList(1, lines.size())) {
      int colon = field.indexOf(':');
      if (colon <= 0 || Character.isWhitespace(field.charAt(colon - 1))) {
        throw new HttpProtocolException(400, "malformed header field");
      }
      String name = field.substring(0, colon).toLowerCase(Locale.ROOT);
      String value =
          new String(
                  field.substring(colon + 1).getBytes(StandardCharsets.ISO_8859_1),
                  StandardCharsets.UTF_8)
              .strip();
      headers.computeIfAbsent(name, n -> new ArrayList<>(1)).add(value);
    }
    return new HttpRequestHead(request[0], request[1], request[2], headers);
  }
}
