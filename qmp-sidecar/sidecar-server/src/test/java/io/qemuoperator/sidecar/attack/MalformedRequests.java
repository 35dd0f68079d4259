package io.qemuoperator.sidecar.attack;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.random.RandomGenerator;

/**
 * Random mutations of one valid request, {@code POST /v1/commands/stop} with the token and the body
 * {@code {}}, each of which makes it malformed by RFC 9112 (or leaves it incomplete): a server must
 * refuse every one, and none may run the stop. Each request carries one mutation, so a failing one
 * is its own smallest example. Mutations that RFC 9112 lets a server accept (a trailing space in a
 * length, {@code Content-Length: 2, 2}, a bare LF as a line end, a blank line before the request
 * line, a query or a percent-encoded path, whitespace in a chunk line, a chunked body cut after its
 * last chunk: RFC 9112 section 8 calls it complete) are deliberately not made; nor is the HTTP name
 * of the version in lower case ({@code http/1.1}), which RFC 9112 does not allow but Jetty accepts,
 * with no compliance setting that refuses it (harmless: the framing is the same).
 */
final class MalformedRequests {
  private static final String LINE = "POST /v1/commands/stop HTTP/1.1";
  private static final String PATH = "/v1/commands/stop";
  private static final String BODY = "{}";

  /** Control bytes that may appear nowhere in a request head (HTAB and LF can, as OWS and EOL). */
  private static final List<Character> CONTROLS = controls();

  /** Characters that are not allowed in a token (a method, a field name), the colon aside. */
  private static final List<Character> NOT_IN_TOKENS =
      List.of(
          ' ', '\t', '(', ')', ',', '/', ';', '<', '=', '>', '?', '@', '[', '\\', ']', '{', '}',
          '"');

  /** Each kind of mutation, chosen evenly. */
  private final List<Function<RandomGenerator, Malformed>> kinds =
      List.of(
          this::duplicateContentLength,
          this::badContentLength,
          this::transferEncodingWithLength,
          this::brokenChunked,
          this::controlByteInHead,
          this::obsFold,
          this::badFieldName,
          this::badRequestLine,
          this::secondHost);

  private final String token;

  /** Mutations of a request with {@code token}. */
  MalformedRequests(String token) {
    this.token = token;
  }

  /** One generated request: what was done to the valid one, and the result. */
  record Malformed(String what, String request) {
    @Override
    public String toString() {
      return what + ": " + escaped(request);
    }
  }

  /** The valid request itself. */
  String valid() {
    return render(LINE, fields(), BODY);
  }

  /** One mutation, of a kind chosen evenly. */
  Malformed next(RandomGenerator random) {
    return pick(random, kinds).apply(random);
  }

  /** A second {@code Content-Length} with another value, anywhere among the fields. */
  Malformed duplicateContentLength(RandomGenerator random) {
    int length = random.nextInt(0, 1_000_000);
    if (length == 2) {
      length = 3;
    }
    var fields = fields();
    fields.add(random.nextInt(0, fields.size() + 1), field("Content-Length", "" + length));
    return new Malformed("a second Content-Length: " + length, render(LINE, fields, BODY));
  }

  /** A length that is not 1*DIGIT. */
  Malformed badContentLength(RandomGenerator random) {
    String value =
        switch (random.nextInt(4)) {
          case 0 ->
              pick(random, List.of("+2", "-2", "+0002", "0x2", "", "2 2", "2\t2", "2.0", "2e0"));
          case 1 -> pick(random, List.of("\u0662", "\uff12", "\u0968", "\u00b2", "2\u0301"));
          case 2 -> "9" + digits(random, random.nextInt(19, 41));
          default -> {
            char c = pick(random, List.of('x', '.', ';', '/', '_', '+', '-', '*', '\'', '"', 'a'));
            yield random.nextBoolean() ? c + "2" : "2" + c;
          }
        };
    var fields = fields();
    fields.set(3, field("Content-Length", value));
    return new Malformed("Content-Length '" + value + "'", render(LINE, fields, BODY));
  }

  /** {@code Transfer-Encoding} beside the {@code Content-Length}, the body not chunked. */
  Malformed transferEncodingWithLength(RandomGenerator random) {
    String coding =
        pick(
            random,
            List.of(
                "chunked",
                "Chunked",
                "gzip",
                "identity",
                "xchunked",
                "chunked, chunked",
                "gzip, chunked",
                "chunked, gzip",
                "chunked;q=1"));
    var fields = fields();
    fields.add(random.nextInt(0, fields.size() + 1), field("Transfer-Encoding", coding));
    return new Malformed(
        "Transfer-Encoding '" + coding + "' and Content-Length", render(LINE, fields, BODY));
  }

  /** A chunked body whose framing is broken or never ends. */
  Malformed brokenChunked(RandomGenerator random) {
    String chunks =
        switch (random.nextInt(5)) {
          case 0 -> {
            char c = pick(random, List.of('g', 'z', 'x', '+', '-', '.', '_', 'G', '#'));
            yield (random.nextBoolean() ? c + "2" : "2" + c) + "\r\n{}\r\n0\r\n\r\n";
          }
          case 1 -> pick(random, List.of("+2", "-2", "0x2", "2.0")) + "\r\n{}\r\n0\r\n\r\n";
          case 2 -> "1" + hexDigits(random, random.nextInt(16, 31)) + "\r\n{}\r\n0\r\n\r\n";
          case 3 ->
              Integer.toHexString(pick(random, List.of(1, 3, 4, 5, 6, 7, 8, 9, 10, 64, 4096)))
                  + "\r\n{}\r\n0\r\n\r\n";
          default ->
              pick(
                  random,
                  List.of(
                      "2\r\n{}0\r\n\r\n",
                      "2\r\n{}",
                      "2\r\n{}\r\n",
                      "2\r\n{}\r\n0\r\nX-Trailer: a\0b\r\n\r\n",
                      "2;\0x\r\n{}\r\n0\r\n\r\n"));
        };
    var fields = fields();
    fields.set(3, field("Transfer-Encoding", "chunked"));
    return new Malformed("chunked body " + escaped(chunks), render(LINE, fields, chunks));
  }

  /** A control byte (not HTAB, not LF) anywhere in the head, the first byte aside. */
  Malformed controlByteInHead(RandomGenerator random) {
    String valid = valid();
    int headLength = valid.length() - BODY.length();
    char c = pick(random, CONTROLS);
    int at = random.nextInt(1, headLength);
    return new Malformed(
        String.format("byte 0x%02x at %d", (int) c, at),
        valid.substring(0, at) + c + valid.substring(at));
  }

  /** A field value continued on the next line (obs-fold). */
  Malformed obsFold(RandomGenerator random) {
    var fields = fields();
    int index = random.nextInt(fields.size());
    String[] field = fields.get(index);
    int at = random.nextInt(0, field[1].length() + 1);
    String indent = pick(random, List.of(" ", "\t", "  "));
    fields.set(
        index,
        field(field[0], field[1].substring(0, at) + "\r\n" + indent + field[1].substring(at)));
    return new Malformed("obs-fold in " + field[0] + " at " + at, render(LINE, fields, BODY));
  }

  /** A character that a field name may not hold, anywhere in one (before the colon included). */
  Malformed badFieldName(RandomGenerator random) {
    var fields = fields();
    int index = random.nextInt(fields.size());
    String[] field = fields.get(index);
    char c =
        random.nextBoolean() ? pick(random, NOT_IN_TOKENS) : (char) random.nextInt(0x80, 0x100);
    // not before the first field's name: a line starting with whitespace there is one RFC 9112
    // lets a server skip
    int at = random.nextInt(index == 0 ? 1 : 0, field[0].length() + 1);
    fields.set(index, field(field[0].substring(0, at) + c + field[0].substring(at), field[1]));
    return new Malformed(
        String.format("char 0x%02x in the name %s at %d", (int) c, field[0], at),
        render(LINE, fields, BODY));
  }

  /** A request line that is not {@code method SP request-target SP HTTP-version}. */
  Malformed badRequestLine(RandomGenerator random) {
    switch (random.nextInt(3)) {
      case 0 -> {
        String version =
            random.nextBoolean()
                ? "HTTP/1.1" + alphanumeric(random, random.nextInt(1, 6))
                : pick(
                    random,
                    List.of(
                        "HTTP/1",
                        "HTTP/1.x",
                        "HTP/1.1",
                        "HTTP/11",
                        "HTTP/1.1.1",
                        "HTTP /1.1",
                        "HTTP/1.1 x",
                        "HTTP/01.1"));
        return line("version " + version, "POST " + PATH + " " + version);
      }
      case 1 -> {
        List<Character> bad = new ArrayList<>(NOT_IN_TOKENS);
        bad.addAll(CONTROLS);
        bad.removeAll(List.of(' ', '\t'));
        int at = random.nextInt(1, 4);
        String method = "POST".substring(0, at) + pick(random, bad) + "POST".substring(at);
        return line("method " + escaped(method), method + " " + PATH + " HTTP/1.1");
      }
      default -> {
        char c =
            pick(
                random,
                List.of(
                    ' ', '"', '<', '>', '\\', '^', '`', '{', '|', '}', '\0', '\u007f', '\u0001'));
        int at = random.nextInt(1, PATH.length());
        String target = PATH.substring(0, at) + c + PATH.substring(at);
        return line("target " + escaped(target), "POST " + target + " HTTP/1.1");
      }
    }
  }

  /** A second {@code Host}, which RFC 9112 (3.2) says a server must answer 400. */
  Malformed secondHost(RandomGenerator random) {
    String host = pick(random, List.of("sidecar", "other", "127.0.0.1", ""));
    var fields = fields();
    fields.add(random.nextInt(0, fields.size() + 1), field("Host", host));
    return new Malformed("a second Host: " + host, render(LINE, fields, BODY));
  }

  private Malformed line(String what, String requestLine) {
    return new Malformed(what, render(requestLine, fields(), BODY));
  }

  private List<String[]> fields() {
    var fields = new ArrayList<String[]>();
    fields.add(field("Host", "sidecar"));
    fields.add(field("Authorization", "Bearer " + token));
    fields.add(field("Content-Type", "application/json"));
    fields.add(field("Content-Length", "2"));
    return fields;
  }

  private static String[] field(String name, String value) {
    return new String[] {name, value};
  }

  private static String render(String line, List<String[]> fields, String body) {
    var request = new StringBuilder(line).append("\r\n");
    for (String[] field : fields) {
      request.append(field[0]).append(": ").append(field[1]).append("\r\n");
    }
    return request.append("\r\n").append(body).toString();
  }

  private static <T> T pick(RandomGenerator random, List<T> from) {
    return from.get(random.nextInt(from.size()));
  }

  private static String digits(RandomGenerator random, int count) {
    return chars(random, "0123456789", count);
  }

  private static String hexDigits(RandomGenerator random, int count) {
    return chars(random, "0123456789abcdef", count);
  }

  private static String alphanumeric(RandomGenerator random, int count) {
    return chars(random, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", count);
  }

  private static String chars(RandomGenerator random, String from, int count) {
    var out = new StringBuilder();
    for (int i = 0; i < count; i++) {
      out.append(from.charAt(random.nextInt(from.length())));
    }
    return out.toString();
  }

  private static List<Character> controls() {
    var controls = new ArrayList<Character>();
    for (char c = 0; c < 0x20; c++) {
      if (c != '\t' && c != '\n') {
        controls.add(c);
      }
    }
    controls.add('\u007f');
    return List.copyOf(controls);
  }

  /** {@code s} with every char outside printable ASCII escaped, CR and LF as \r \n. */
  static String escaped(String s) {
    var out = new StringBuilder();
    for (char c : s.toCharArray()) {
      switch (c) {
        case '\r' -> out.append("\\r");
        case '\n' -> out.append("\\n");
        default -> {
          if (c < 0x20 || c >= 0x7f) {
            out.append(String.format(c > 0xff ? "\\u%04x" : "\\x%02x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.toString();
  }
}
