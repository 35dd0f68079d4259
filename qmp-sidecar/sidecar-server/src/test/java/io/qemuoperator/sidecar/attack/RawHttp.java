package io.qemuoperator.sidecar.attack;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An HTTP client of raw bytes: every byte on the wire is the test's own, and everything that comes
 * back is seen, answers parsed strictly and whatever follows them kept.
 */
final class RawHttp {
  /** How long a connection may stay quiet before an exchange takes it as kept open. */
  static final Duration QUIET = Duration.ofMillis(1500);

  private static final Pattern STATUS_LINE = Pattern.compile("HTTP/1\\.1 (\\d{3}) [^\\r\\n]*");

  private final InetSocketAddress address;

  RawHttp(int port) {
    this.address = new InetSocketAddress("127.0.0.1", port);
  }

  InetSocketAddress address() {
    return address;
  }

  /** A connected socket, nothing sent yet. */
  Socket connect() throws IOException {
    var socket = new Socket();
    socket.connect(address, 2000);
    return socket;
  }

  /** How a connection ended after the request was sent. */
  enum End {
    /** The server closed it (end of stream). */
    CLOSED,
    /** The server reset it. */
    RESET,
    /** Still open, quiet for {@link #QUIET}. */
    KEPT_OPEN
  }

  /** One answer: its status, head (status line and fields) and body. */
  record Response(int status, String head, byte[] body) {
    String bodyText() {
      return new String(body, StandardCharsets.UTF_8);
    }

    /** The value of the first field {@code name} (case-insensitive), or null. */
    String field(String name) {
      for (String line : head.split("\r\n")) {
        int colon = line.indexOf(':');
        if (colon > 0 && line.substring(0, colon).equalsIgnoreCase(name)) {
          return line.substring(colon + 1).strip();
        }
      }
      return null;
    }
  }

  /**
   * What came back on one connection: the answers, parsed in order, whatever followed them that is
   * not an answer ({@code rest}), how the connection ended and when.
   */
  record Exchange(List<Response> responses, byte[] rest, End end, Duration took) {
    List<Integer> statuses() {
      return responses.stream().map(Response::status).toList();
    }

    int firstStatus() {
      return responses.isEmpty() ? -1 : responses.get(0).status();
    }

    /** True when everything that came back parsed as whole HTTP/1.1 answers. */
    boolean wellFormed() {
      return rest.length == 0;
    }

    @Override
    public String toString() {
      String tail = new String(rest, 0, Math.min(rest.length, 200), StandardCharsets.ISO_8859_1);
      return (responses.isEmpty() ? "no answer" : "answers " + statuses())
          + (rest.length == 0 ? "" : ", then " + rest.length + " bytes not an answer: " + tail)
          + ", then "
          + end
          + " after "
          + took.toMillis()
          + " ms";
    }
  }

  /** Sends {@code request} and reads until the server closes or stays quiet for {@link #QUIET}. */
  Exchange exchange(byte[] request) throws IOException {
    return exchange(request, false, QUIET);
  }

  /** Sends {@code request} as ASCII (see {@link #exchange(byte[])}). */
  Exchange exchange(String request) throws IOException {
    return exchange(request.getBytes(StandardCharsets.ISO_8859_1));
  }

  /**
   * Sends {@code request} (on its own thread, while this one reads: a server may answer and close
   * before it has read the whole request, and the answer must not be lost to a reset); with {@code
   * halfClose} then shuts the sending side, so the server sees the end of the request stream at
   * once instead of waiting for more; reads until the server closes or stays quiet for {@code
   * quiet}.
   */
  Exchange exchange(byte[] request, boolean halfClose, Duration quiet) throws IOException {
    Socket socket = connect();
    Thread writer = null;
    try {
      socket.setSoTimeout((int) quiet.toMillis());
      long start = System.nanoTime();
      writer =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      var out = socket.getOutputStream();
                      out.write(request);
                      out.flush();
                      if (halfClose) {
                        socket.shutdownOutput();
                      }
                    } catch (IOException closed) {
                      // the server closed before it read everything: what it said is read below
                    }
                  });
      return read(socket.getInputStream(), start);
    } finally {
      socket.close(); // also ends a write the server never read
      if (writer != null) {
        try {
          writer.join();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }

  /** Reads what comes back until the end of the stream, a reset or a quiet socket. */
  static Exchange read(InputStream in, long startNanos) {
    var received = new ByteArrayOutputStream();
    byte[] buffer = new byte[1 << 16];
    End end;
    try {
      for (int n = in.read(buffer); ; n = in.read(buffer)) {
        if (n < 0) {
          end = End.CLOSED;
          break;
        }
        received.write(buffer, 0, n);
      }
    } catch (SocketTimeoutException quiet) {
      end = End.KEPT_OPEN;
    } catch (IOException reset) {
      end = End.RESET;
    }
    Duration took = Duration.ofNanos(System.nanoTime() - startNanos);
    return parse(received.toByteArray(), end, took);
  }

  /**
   * Splits {@code bytes} into whole answers: a status line, fields, an empty line, then a body of
   * its {@code Content-Length} (none for 1xx, 204, 304); chunked bodies are not expected and end
   * the parse.
   */
  static Exchange parse(byte[] bytes, End end, Duration took) {
    String text = new String(bytes, StandardCharsets.ISO_8859_1);
    List<Response> responses = new ArrayList<>();
    int at = 0;
    while (at < bytes.length) {
      int headEnd = text.indexOf("\r\n\r\n", at);
      if (headEnd < 0) {
        break;
      }
      String head = text.substring(at, headEnd);
      Matcher status = STATUS_LINE.matcher(head);
      if (!status.lookingAt() || !fieldsWellFormed(head)) {
        break;
      }
      int code = Integer.parseInt(status.group(1));
      var response = new Response(code, head, new byte[0]);
      int bodyStart = headEnd + 4;
      long length;
      String declared = response.field("Content-Length");
      String coding = response.field("Transfer-Encoding");
      if (coding != null) {
        break;
      } else if (declared != null && declared.matches("\\d{1,9}")) {
        length = Long.parseLong(declared);
      } else if (code / 100 == 1 || code == 204 || code == 304) {
        length = 0;
      } else if (declared == null && end != End.KEPT_OPEN) {
        length = bytes.length - bodyStart; // delimited by the close
      } else {
        break;
      }
      if (bodyStart + length > bytes.length) {
        break;
      }
      byte[] body = new byte[(int) length];
      System.arraycopy(bytes, bodyStart, body, 0, (int) length);
      responses.add(new Response(code, head, body));
      at = bodyStart + (int) length;
    }
    byte[] rest = new byte[bytes.length - at];
    System.arraycopy(bytes, at, rest, 0, rest.length);
    return new Exchange(List.copyOf(responses), rest, end, took);
  }

  private static final Pattern FIELD_LINE =
      Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+:[^\\r\\n]*");

  private static boolean fieldsWellFormed(String head) {
    String[] lines = head.split("\r\n", -1);
    for (int i = 1; i < lines.length; i++) {
      if (!FIELD_LINE.matcher(lines[i]).matches()) {
        return false;
      }
    }
    return true;
  }

  /**
   * The status of the first answer to {@code request} on a fresh connection within {@code within},
   * or -1 when none came in time.
   */
  int status(String request, Duration within) {
    try (var socket = connect()) {
      socket.setSoTimeout((int) within.toMillis());
      socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      byte[] line = socket.getInputStream().readNBytes(12);
      String text = new String(line, StandardCharsets.US_ASCII);
      return text.startsWith("HTTP/1.1 ") ? Integer.parseInt(text.substring(9, 12)) : -1;
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
  }

  /** {@code GET path}, closing after the answer, with {@code authorization} unless null. */
  static String get(String path, String authorization) {
    return "GET "
        + path
        + " HTTP/1.1\r\nHost: sidecar\r\n"
        + (authorization == null ? "" : "Authorization: " + authorization + "\r\n")
        + "Connection: close\r\n\r\n";
  }

  /** {@code POST /v1/commands/NAME} with {@code body} and its length, closing after the answer. */
  static String command(String name, String token, String body) {
    return "POST /v1/commands/"
        + name
        + " HTTP/1.1\r\nHost: sidecar\r\nAuthorization: Bearer "
        + token
        + "\r\nContent-Type: application/json\r\nContent-Length: "
        + body.getBytes(StandardCharsets.UTF_8).length
        + "\r\nConnection: close\r\n\r\n"
        + body;
  }
}
