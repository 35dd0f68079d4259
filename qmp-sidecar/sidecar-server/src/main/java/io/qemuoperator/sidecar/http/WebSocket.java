package io.qemuoperator.sidecar.http;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The server end of a WebSocket (RFC 6455) on an {@link UpgradedConnection}: the opening handshake
 * on the HTTP server's request, then frames. Reads run on one thread (the connection's); writes may
 * come from any thread, one at a time, each under a deadline: a client that stops reading is
 * disconnected rather than holding a writer forever. Pings are answered; data frames (binary, text
 * and their continuations) are handed over as they arrive, as bytes; client frames must be masked,
 * and none may carry more than {@link #MAX_FRAME_BYTES}.
 *
 * <p>Why not a library: the sidecar's HTTP server is its own ({@link HttpListener}), and the
 * framing a byte stream needs is this class; the clients are the JDK's {@code
 * java.net.http.WebSocket} (the tests, the local CLI, the kubectl plugin) and browsers.
 */
public final class WebSocket {
  /** RFC 6455's key suffix for {@code Sec-WebSocket-Accept}. */
  static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

  /** The largest frame payload accepted from a client; a larger one closes with 1009. */
  public static final int MAX_FRAME_BYTES = 64 * 1024;

  private static final java.time.Duration DRAIN_TIME = java.time.Duration.ofSeconds(2);
  private static final long DRAIN_BYTES = 1 << 20;

  public static final int NORMAL_CLOSURE = 1000;
  public static final int GOING_AWAY = 1001;
  public static final int PROTOCOL_ERROR = 1002;
  public static final int MESSAGE_TOO_BIG = 1009;
  public static final int INTERNAL_ERROR = 1011;

  private static final int CONTINUATION = 0x0;
  private static final int TEXT = 0x1;
  private static final int BINARY = 0x2;
  private static final int CLOSE = 0x8;
  private static final int PING = 0x9;
  private static final int PONG = 0xA;

  private final UpgradedConnection connection;
  private final ScheduledExecutorService timer;
  private final Duration writeDeadline;
  private final Object writeLock = new Object();
  private boolean closeSent;

  private WebSocket(
      UpgradedConnection connection, ScheduledExecutorService timer, Duration writeDeadline) {
    this.connection = connection;
    this.timer = timer;
    this.writeDeadline = writeDeadline;
  }

  /** One thing a client sent: bytes, or the end of the stream. */
  public sealed interface Incoming {
    /** The payload of a data frame (binary, text or a continuation). */
    record Data(byte[] bytes) implements Incoming {}

    /** The client's close frame (its code, 1005 when it gave none), already answered. */
    record Closed(int code, String reason) implements Incoming {}
  }

  /**
   * Why {@code exchange} is not a WebSocket opening handshake this server accepts (a GET with
   * {@code Upgrade: websocket}, {@code Connection: Upgrade}, {@code Sec-WebSocket-Version: 13} and
   * a key); empty when it is one.
   */
  public static Optional<String> refusal(ServerExchange exchange) {
    if (!"GET".equals(exchange.method())) {
      return Optional.of("a WebSocket is opened with GET");
    }
    if (!exchange.header("Upgrade").map(u -> u.equalsIgnoreCase("websocket")).orElse(false)
        || !tokens(exchange.header("Connection").orElse("")).contains("upgrade")) {
      return Optional.of(
          "this endpoint is a WebSocket: send 'Upgrade: websocket' and 'Connection: Upgrade'");
    }
    if (!exchange.header("Sec-WebSocket-Version").map(v -> v.strip().equals("13")).orElse(false)) {
      return Optional.of("only WebSocket version 13 is served");
    }
    if (exchange.header("Sec-WebSocket-Key").map(String::isBlank).orElse(true)) {
      return Optional.of("the WebSocket handshake needs a Sec-WebSocket-Key");
    }
    return Optional.empty();
  }

  private static java.util.List<String> tokens(String header) {
    return java.util.Arrays.stream(header.split(","))
        .map(t -> t.strip().toLowerCase(Locale.ROOT))
        .toList();
  }

  /**
   * Completes the opening handshake of {@code exchange} (checked with {@link #refusal} first): 101,
   * then frames on the connection, whose reads wait at most {@code readTimeout} for the client.
   */
  public static WebSocket accept(
      ServerExchange exchange,
      ScheduledExecutorService timer,
      Duration writeDeadline,
      Duration readTimeout)
      throws IOException {
    String key = exchange.header("Sec-WebSocket-Key").orElseThrow().strip();
    UpgradedConnection connection =
        exchange.upgrade(
            Map.of(
                "Upgrade", "websocket",
                "Connection", "Upgrade",
                "Sec-WebSocket-Accept", acceptKey(key)));
    connection.readTimeout(readTimeout);
    return new WebSocket(connection, timer, writeDeadline);
  }

  /** {@code Sec-WebSocket-Accept} for a client's {@code Sec-WebSocket-Key}. */
  static String acceptKey(String key) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-1")
              .digest((key + GUID).getBytes(StandardCharsets.US_ASCII));
      return Base64.getEncoder().encodeToString(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-1", e);
    }
  }

  /**
   * The next data the client sent, or its close (answered); pings are answered on the way. A
   * protocol violation closes with its code and throws.
   */
  public Incoming read() throws IOException {
    InputStream in = connection.in();
    while (true) {
      int b0 = readByte(in);
      int b1 = readByte(in);
      int opcode = b0 & 0x0F;
      boolean fin = (b0 & 0x80) != 0;
      long length = b1 & 0x7F;
      if (length == 126) {
        length = (readByte(in) << 8) | readByte(in);
      } else if (length == 127) {
        length = 0;
        for (int i = 0; i < 8; i++) {
          length = (length << 8) | readByte(in);
        }
      }
      if ((b0 & 0x70) != 0) {
        throw violation(PROTOCOL_ERROR, "reserved bits set");
      }
      if ((b1 & 0x80) == 0) {
        throw violation(PROTOCOL_ERROR, "client frames must be masked");
      }
      boolean control = opcode >= CLOSE;
      if (control && (!fin || length > 125)) {
        throw violation(PROTOCOL_ERROR, "control frames are unfragmented, at most 125 bytes");
      }
      if (length < 0 || length > MAX_FRAME_BYTES) {
        throw violation(MESSAGE_TOO_BIG, "frames carry at most " + MAX_FRAME_BYTES + " bytes");
      }
      byte[] mask = in.readNBytes(4);
      byte[] payload = in.readNBytes((int) length);
      if (mask.length < 4 || payload.length < length) {
        throw new EOFException("the client closed the connection mid-frame");
      }
      for (int i = 0; i < payload.length; i++) {
        payload[i] ^= mask[i & 3];
      }
      switch (opcode) {
        case CONTINUATION, TEXT, BINARY -> {
          return new Incoming.Data(payload);
        }
        case PING -> send(PONG, payload, 0, payload.length);
        case PONG -> {
          // an answer to our keep-alive ping: receiving it was the point
        }
        case CLOSE -> {
          int code = payload.length >= 2 ? ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF) : 1005;
          String reason =
              payload.length > 2
                  ? new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8)
                  : "";
          close(code == 1005 ? NORMAL_CLOSURE : code, "");
          return new Incoming.Closed(code, reason);
        }
        default -> throw violation(PROTOCOL_ERROR, "unknown opcode " + opcode);
      }
    }
  }

  private static int readByte(InputStream in) throws IOException {
    int b = in.read();
    if (b < 0) {
      throw new EOFException("the client closed the connection");
    }
    return b;
  }

  /**
   * Closes with {@code code}, then reads (and drops) what the client still sends, up to its close
   * or a bound, so it reads the close rather than a reset.
   */
  private IOException violation(int code, String reason) {
    try {
      close(code, reason);
      connection.readTimeout(DRAIN_TIME);
      byte[] buffer = new byte[8192];
      long drained = 0;
      for (int n = connection.in().read(buffer);
          n >= 0 && drained < DRAIN_BYTES;
          n = connection.in().read(buffer)) {
        drained += n;
      }
    } catch (IOException e) {
      // the client is gone, or took too long
    }
    return new IOException("WebSocket closed with " + code + ": " + reason);
  }

  /** Sends {@code length} bytes of {@code bytes} as one binary frame. */
  public void sendBinary(byte[] bytes, int offset, int length) throws IOException {
    send(BINARY, bytes, offset, length);
  }

  /** A keep-alive ping: a live client answers with a pong, which resets the read timeout. */
  public void ping() throws IOException {
    synchronized (writeLock) {
      if (!closeSent) {
        write(PING, new byte[0], 0, 0);
      }
    }
  }

  /**
   * Sends the close frame (once; later calls do nothing). The connection itself closes with {@link
   * #abort()}.
   */
  public void close(int code, String reason) throws IOException {
    byte[] text = reason.getBytes(StandardCharsets.UTF_8);
    int length = Math.min(text.length, 123);
    byte[] payload = new byte[2 + length];
    payload[0] = (byte) (code >> 8);
    payload[1] = (byte) code;
    System.arraycopy(text, 0, payload, 2, length);
    synchronized (writeLock) {
      if (closeSent) {
        return;
      }
      closeSent = true;
      write(CLOSE, payload, 0, payload.length);
    }
  }

  /** Closes the connection: a read or write blocked on it fails at once. */
  public void abort() {
    connection.close();
  }

  private void send(int opcode, byte[] bytes, int offset, int length) throws IOException {
    synchronized (writeLock) {
      if (closeSent) {
        throw new IOException("the WebSocket is closing");
      }
      write(opcode, bytes, offset, length);
    }
  }

  private void write(int opcode, byte[] bytes, int offset, int length) throws IOException {
    var frame = new ByteArrayOutputStream(length + 10);
    frame.write(0x80 | opcode);
    if (length < 126) {
      frame.write(length);
    } else if (length < 65536) {
      frame.write(126);
      frame.write(length >> 8);
      frame.write(length);
    } else {
      frame.write(127);
      for (int shift = 56; shift >= 0; shift -= 8) {
        frame.write((int) ((long) length >> shift));
      }
    }
    frame.write(bytes, offset, length);
    ScheduledFuture<?> deadline =
        timer.schedule(connection::close, writeDeadline.toMillis(), TimeUnit.MILLISECONDS);
    try {
      frame.writeTo(connection.out());
      connection.out().flush();
    } finally {
      deadline.cancel(false);
    }
  }
}
