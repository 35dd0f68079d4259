package io.qemuoperator.sidecar;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.qemuoperator.sidecar.web.WebServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.Serial;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;

/**
 * One HTTP exchange of the sidecar on Jetty: a capped request body in, one JSON or text answer out.
 * The answer is written without blocking, by whichever thread has it (a command's is written once
 * QEMU's reply arrives); the exchange ends with it.
 */
final class JsonExchange {
  /** How long a request body may take to arrive, all of it. */
  static final Duration BODY_DEADLINE = Duration.ofSeconds(10);

  private final Request request;
  private final Response response;
  private final Callback callback;
  private final ObjectMapper json;
  private final AtomicBoolean ended = new AtomicBoolean();
  // the body was read to its end (body()): nothing is read again
  private volatile boolean bodyRead;
  private volatile boolean deferred;

  JsonExchange(Request request, Response response, Callback callback, ObjectMapper json) {
    this.request = request;
    this.response = response;
    this.callback = callback;
    this.json = json;
  }

  /** The answer is written later, by whoever completes it; the handler must not end it now. */
  void defer() {
    deferred = true;
  }

  /** Whether the exchange is answered, handed over, or deferred to whoever will answer it. */
  boolean settled() {
    return deferred || ended.get();
  }

  /**
   * Hands the exchange to {@code upgrade} (the console's WebSocket handshake): when it returns true
   * it has answered and ended the exchange; when false (not a handshake), the exchange is still
   * this one's to answer.
   */
  boolean handOver(Upgrade upgrade) throws IOException {
    if (ended.get()) {
      throw new IllegalStateException("already answered");
    }
    boolean handled;
    try {
      handled = upgrade.apply(request, response, callback);
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException(e);
    }
    if (handled) {
      ended.set(true);
    }
    return handled;
  }

  /** Answers {@code error} on the response of a handshake this exchange handed over. */
  void refuse(Response handshake, Callback handshakeDone, ApiError error) throws IOException {
    write(
        handshake,
        handshakeDone,
        error.status(),
        "application/json",
        json.writeValueAsBytes(error.body()));
  }

  /** Ends the exchange without an answer (the connection closes). Idempotent. */
  void abort(Throwable why) {
    if (ended.compareAndSet(false, true)) {
      callback.failed(why);
    }
  }

  String method() {
    return request.getMethod();
  }

  String path() {
    return Request.getPathInContext(request);
  }

  Optional<String> header(String name) {
    return Optional.ofNullable(request.getHeaders().get(name));
  }

  Map<String, String> query() {
    var params = new HashMap<String, String>();
    Fields fields = Request.extractQueryParameters(request, StandardCharsets.UTF_8);
    fields.forEach(field -> params.put(field.getName(), field.getValue()));
    return params;
  }

  /**
   * The request body, or empty when there is none; all of it must arrive within {@link
   * #BODY_DEADLINE}.
   *
   * @throws BodyRefusedException past {@code limit} bytes (413; checked against Content-Length
   *     first, then while reading, so a lying or chunked client cannot make the sidecar buffer
   *     more), or not all there by the deadline or Jetty's idle timeout (408)
   */
  byte[] body(int limit) throws IOException, BodyRefusedException {
    if (request.getLength() > limit) {
      throw new BodyRefusedException(ApiError.bodyTooLarge(limit));
    }
    long deadline = System.nanoTime() + BODY_DEADLINE.toNanos();
    var out = new ByteArrayOutputStream();
    while (true) {
      Content.Chunk chunk = next(deadline, limit);
      if (Content.Chunk.isFailure(chunk)) {
        throw refusal(chunk.getFailure(), limit)
            .orElseThrow(() -> new IOException("reading the request body", chunk.getFailure()));
      }
      try {
        ByteBuffer bytes = chunk.getByteBuffer();
        if (out.size() + bytes.remaining() > limit) {
          throw new BodyRefusedException(ApiError.bodyTooLarge(limit));
        }
        BufferUtil.writeTo(bytes, out);
      } finally {
        chunk.release();
      }
      if (chunk.isLast()) {
        bodyRead = true;
        return out.toByteArray();
      }
    }
  }

  /** The next chunk of the body, waiting for it until {@code deadline} (System.nanoTime()). */
  private Content.Chunk next(long deadline, int limit) throws IOException, BodyRefusedException {
    while (true) {
      Content.Chunk chunk;
      try {
        chunk = request.read();
      } catch (RuntimeException e) { // Jetty's SizeLimitHandler throws past its cap
        throw refusal(e, limit).orElseThrow(() -> e);
      }
      if (chunk != null) {
        return chunk;
      }
      var arrived = new CompletableFuture<Void>();
      request.demand(() -> arrived.complete(null));
      try {
        arrived.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        throw closing(ApiError.bodyTimeout(BODY_DEADLINE));
      } catch (ExecutionException e) {
        throw new IOException("waiting for the request body", e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while waiting for the request body");
      }
    }
  }

  /**
   * The refusal a read failure stands for: past Jetty's cap (413), Jetty's idle timeout (408), a
   * malformed body (400: a bad chunk, endless trailers). After a 408 or 400 the rest of the body
   * cannot be told from a next request: the connection closes after the answer.
   */
  private Optional<BodyRefusedException> refusal(Throwable failure, int limit) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof HttpException http && http.getCode() == 413) {
        return Optional.of(new BodyRefusedException(ApiError.bodyTooLarge(limit)));
      }
      if (t instanceof TimeoutException) {
        return Optional.of(closing(ApiError.bodyTimeout(BODY_DEADLINE)));
      }
      if (t instanceof HttpException http && http.getCode() >= 400 && http.getCode() < 500) {
        return Optional.of(
            closing(
                ApiError.badRequest(
                    "the request body's framing is malformed (a chunk size, a chunk's end or the"
                        + " trailers)")));
      }
    }
    return Optional.empty();
  }

  private BodyRefusedException closing(ApiError error) {
    response.getHeaders().put(HttpHeader.CONNECTION, "close");
    return new BodyRefusedException(error);
  }

  void responseHeader(String name, String value) {
    response.getHeaders().put(name, value);
  }

  /** Answers {@code body}, one of the contract's records, as JSON. */
  void respond(int status, Object body) throws IOException {
    send(status, "application/json", json.writeValueAsBytes(body));
  }

  void respondError(ApiError error) throws IOException {
    if (error.status() == 401) {
      response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer");
    }
    respond(error.status(), error.body());
  }

  void respondText(int status, String contentType, String text) throws IOException {
    send(status, contentType, text.getBytes(StandardCharsets.UTF_8));
  }

  void respondBytes(int status, String contentType, byte[] bytes) throws IOException {
    send(status, contentType, bytes);
  }

  private void send(int status, String contentType, byte[] bytes) {
    if (!ended.compareAndSet(false, true)) {
      throw new IllegalStateException("already answered");
    }
    if (bodyEnded()) {
      write(response, callback, status, contentType, bytes);
      return;
    }
    // The body is not all read (refused, or not asked for): the answer goes out now, and what is
    // left of the body is read and dropped afterwards, so that a client that sends its whole body
    // before it reads (Python's urllib) reads the answer rather than a reset; then the connection
    // closes.
    response.getHeaders().put(HttpHeader.CONNECTION, "close");
    head(response, status, contentType, bytes.length);
    response.write(
        false,
        ByteBuffer.wrap(bytes),
        Callback.from(
            () ->
                Thread.ofVirtual()
                    .name("body-drain")
                    .start(
                        () -> {
                          drain();
                          response.write(true, ByteBuffer.allocate(0), callback);
                        }),
            callback::failed));
  }

  /** Whether the request body has been read to its end (or there is none, or it failed). */
  private boolean bodyEnded() {
    if (request.getLength() <= 0 && !request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING)) {
      return true; // no body: nothing to read
    }
    Content.Chunk chunk;
    try {
      chunk = request.read();
    } catch (RuntimeException e) {
      return true; // a failed body: the connection closes after the answer anyway
    }
    if (chunk == null) {
      return false;
    }
    boolean last = chunk.isLast();
    chunk.release();
    return last;
  }

  /**
   * Reads and drops what is left of the request body, up to {@link WebServer#DRAIN_BYTES} and
   * within {@link #BODY_DEADLINE}.
   */
  private void drain() {
    long deadline = System.nanoTime() + BODY_DEADLINE.toNanos();
    long dropped = 0;
    try {
      while (dropped <= WebServer.DRAIN_BYTES) {
        Content.Chunk chunk = next(deadline, Integer.MAX_VALUE);
        dropped += chunk.remaining();
        boolean end = chunk.isLast() || Content.Chunk.isFailure(chunk);
        chunk.release();
        if (end) {
          return;
        }
      }
    } catch (IOException | BodyRefusedException | RuntimeException e) {
      // the connection closes anyway
    }
  }

  private static void write(
      Response response, Callback callback, int status, String contentType, byte[] bytes) {
    head(response, status, contentType, bytes.length);
    response.write(true, ByteBuffer.wrap(bytes), callback);
  }

  private static void head(Response response, int status, String contentType, int length) {
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, length);
  }

  /** A protocol switch that answers the request itself (Jetty's WebSocket upgrade). */
  @FunctionalInterface
  interface Upgrade {
    boolean apply(Request request, Response response, Callback callback) throws Exception;
  }

  /** The request body is refused: past the cap, or too slow. */
  static final class BodyRefusedException extends Exception {
    @Serial private static final long serialVersionUID = 1L;

    private final transient ApiError error;

    BodyRefusedException(ApiError error) {
      super(error.desc(), null, false, false);
      this.error = error;
    }

    ApiError error() {
      return error;
    }
  }
}
