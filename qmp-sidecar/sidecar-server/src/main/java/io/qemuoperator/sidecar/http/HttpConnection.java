package io.qemuoperator.sidecar.http;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Serves the requests of one keep-alive connection on one thread: reads a request, hands it to the
 * handler, and reads the next one only after the previous answer is written (answers go out in
 * request order). A handler may answer later from another thread.
 */
final class HttpConnection implements Runnable {
  private static final int MAX_HEAD_BYTES = 16 * 1024;
  private static final int DRAIN_BYTES = 1 << 20;
  private static final int DRAIN_MILLIS = 1000;

  private final Socket socket;
  private final Consumer<ServerExchange> handler;
  private final HttpDate date;
  private final ScheduledExecutorService deadlines;
  private final Object writeLock = new Object();
  private OutputStream out;

  HttpConnection(
      Socket socket,
      Consumer<ServerExchange> handler,
      HttpDate date,
      ScheduledExecutorService deadlines) {
    this.socket = socket;
    this.handler = handler;
    this.date = date;
    this.deadlines = deadlines;
  }

  @Override
  public void run() {
    try (socket) {
      InputStream in = new BufferedInputStream(socket.getInputStream());
      synchronized (writeLock) {
        out = socket.getOutputStream();
      }
      ServerExchange previous = serve(in);
      if (previous != null && !previous.bodyRead()) {
        drain(in);
      }
    } catch (IOException e) {
      // the client went away, or the server is closing
    }
  }

  /** Closes the socket and interrupts the thread, which ends {@link #run()}. */
  void abort(Thread thread) {
    try {
      socket.close();
    } catch (IOException e) {
      // closing anyway
    }
    thread.interrupt();
  }

  /** The request loop; returns the last exchange, answered. */
  private ServerExchange serve(InputStream in) throws IOException {
    ServerExchange previous = null;
    while (true) {
      if (previous != null && !previous.bodyRead()) {
        // The next request starts after this body: nothing more can be read on this connection.
        awaitAnswer(previous);
        return previous;
      }
      Optional<HttpRequestHead> head;
      try {
        head = HttpRequestHead.read(in, MAX_HEAD_BYTES);
      } catch (HttpProtocolException e) {
        if (awaitAnswer(previous)) {
          writeError(e);
        }
        return previous;
      } catch (SocketTimeoutException idle) {
        awaitAnswer(previous);
        return previous;
      }
      if (!awaitAnswer(previous) || head.isEmpty()) {
        return previous;
      }
      ServerExchange exchange;
      try {
        exchange = ServerExchange.of(head.get(), in, this);
      } catch (HttpProtocolException e) {
        writeError(e);
        return previous;
      }
      handler.accept(exchange);
      previous = exchange;
    }
  }

  /** Waits until the exchange is answered; whether the connection can go on. */
  private static boolean awaitAnswer(ServerExchange exchange) {
    if (exchange == null) {
      return true;
    }
    try {
      return exchange.done().get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (ExecutionException e) {
      return false;
    }
  }

  void writeContinue() throws IOException {
    synchronized (writeLock) {
      out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
    }
  }

  void writeResponse(
      int status, Map<String, String> headers, byte[] body, boolean withBody, boolean keepAlive)
      throws IOException {
    var head = new StringBuilder(160);
    head.append("HTTP/1.1 ").append(status).append(' ').append(reason(status)).append("\r\n");
    head.append("Date: ").append(date.now()).append("\r\n");
    headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
    head.append("Content-Length: ").append(body.length).append("\r\n");
    if (!keepAlive) {
      head.append("Connection: close\r\n");
    }
    head.append("\r\n");
    var message = new ByteArrayOutputStream(head.length() + body.length);
    message.writeBytes(head.toString().getBytes(StandardCharsets.UTF_8));
    if (withBody) {
      message.writeBytes(body);
    }
    synchronized (writeLock) {
      ScheduledFuture<?> deadline =
          deadlines.schedule(
              () -> closeQuietly(socket),
              HttpListener.WRITE_DEADLINE_MILLIS,
              TimeUnit.MILLISECONDS);
      try {
        message.writeTo(out);
        out.flush();
        if (!keepAlive) {
          socket.shutdownOutput();
        }
      } finally {
        deadline.cancel(false);
      }
    }
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // closing anyway
    }
  }

  /**
   * Writes {@code 101 Switching Protocols} with {@code headers} and hands the connection over: the
   * request loop reads nothing more from it (the caller runs the new protocol on this connection's
   * thread, and the connection closes when it returns).
   */
  UpgradedConnection writeUpgrade(Map<String, String> headers, InputStream in) throws IOException {
    var head = new StringBuilder(160);
    head.append("HTTP/1.1 101 Switching Protocols\r\n");
    headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
    head.append("\r\n");
    synchronized (writeLock) {
      out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
      out.flush();
    }
    return new UpgradedConnection(socket, in, out);
  }

  private void writeError(HttpProtocolException e) {
    // The messages are the server's own: no request text is echoed.
    String errorClass =
        switch (e.status()) {
          case 501 -> "NotImplemented";
          case 431 -> "HeaderTooLarge";
          default -> "BadRequest";
        };
    byte[] body =
        ("{\"error\":{\"class\":\"" + errorClass + "\",\"desc\":\"" + e.getMessage() + "\"}}")
            .getBytes(StandardCharsets.UTF_8);
    try {
      writeResponse(e.status(), Map.of("Content-Type", "application/json"), body, true, false);
    } catch (IOException gone) {
      // the client went away
    }
  }

  /**
   * Reads what is left of an unread request body (bounded) before closing, so the client gets the
   * answer rather than a reset.
   */
  private void drain(InputStream in) throws IOException {
    socket.setSoTimeout(DRAIN_MILLIS);
    byte[] buffer = new byte[8192];
    long drained = 0;
    try {
      for (int n = in.read(buffer); n >= 0 && drained < DRAIN_BYTES; n = in.read(buffer)) {
        drained += n;
      }
    } catch (SocketTimeoutException e) {
      // closing anyway
    }
  }

  private static String reason(int status) {
    return switch (status) {
      case 101 -> "Switching Protocols";
      case 200 -> "OK";
      case 400 -> "Bad Request";
      case 401 -> "Unauthorized";
      case 403 -> "Forbidden";
      case 404 -> "Not Found";
      case 405 -> "Method Not Allowed";
      case 409 -> "Conflict";
      case 413 -> "Content Too Large";
      case 422 -> "Unprocessable Content";
      case 426 -> "Upgrade Required";
      case 431 -> "Request Header Fields Too Large";
      case 500 -> "Internal Server Error";
      case 501 -> "Not Implemented";
      case 502 -> "Bad Gateway";
      case 503 -> "Service Unavailable";
      case 504 -> "Gateway Timeout";
      default -> "";
    };
  }
}
