package io.qemuoperator.qmp;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One negotiated QMP connection: greeting, {@code qmp_capabilities}, then a reader thread that
 * routes replies to its {@link PendingCommands} by id and hands events to the client. When the
 * connection ends for any reason every pending command fails at once, and the session is never
 * reused.
 */
final class QmpSession {
  private static final Logger LOG = LoggerFactory.getLogger(QmpSession.class);
  static final ObjectMapper JSON = new ObjectMapper();
  private static final byte[] EXECUTE = "{\"execute\":\"".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] ARGUMENTS = ",\"arguments\":".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] ID = ",\"id\":".getBytes(StandardCharsets.US_ASCII);

  /** What a session tells its client. */
  interface Host {
    /**
     * An event, on the reader thread (or during negotiation on the connecting one); returns at
     * once, or the reader stalls.
     */
    void onEvent(String name, JsonNode data, Instant timestamp);

    /** Called once when the session ends, before its pending commands fail. */
    void onClosed(QmpSession session, QmpException cause);
  }

  private final Host host;
  private final Path socket;
  private final QmpTransport transport;
  private final ScheduledExecutorService timer;
  private final ThreadFactory readerThread;
  private final PendingCommands pending;
  private final AtomicBoolean closing = new AtomicBoolean();
  private final CompletableFuture<QmpException> closed = new CompletableFuture<>();
  private volatile boolean clientClosing;
  private QmpGreeting greeting;
  private Thread reader;

  private QmpSession(
      QmpClientOptions options,
      QmpTransport transport,
      ScheduledExecutorService timer,
      ThreadFactory readerThread,
      Host host) {
    this.host = host;
    this.socket = options.socket();
    this.transport = transport;
    this.timer = timer;
    this.readerThread = readerThread;
    this.pending = new PendingCommands(socket, timer, options.commandTimeout());
  }

  /**
   * Connects, reads the greeting and negotiates, each under its deadline. The reader is not yet
   * running: call {@link #startReader()}.
   *
   * @param timer runs the connect and negotiation watchdogs and the command deadline sweep
   * @param readerThread makes the thread that reads replies and events
   */
  static QmpSession open(
      QmpClientOptions options,
      ScheduledExecutorService timer,
      ThreadFactory readerThread,
      Host host)
      throws QmpException {
    QmpTransport transport;
    try {
      transport = new QmpTransport(options.maxLineBytes());
    } catch (IOException e) {
      throw new QmpConnectException("cannot open a unix socket channel", e);
    }
    var session = new QmpSession(options, transport, timer, readerThread, host);
    try {
      session.connect(options.connectTimeout());
      session.negotiate(options.negotiationTimeout());
      return session;
    } catch (QmpException | RuntimeException e) {
      transport.close();
      throw e;
    }
  }

  private void connect(Duration timeout) throws QmpConnectException {
    var watchdog = new Watchdog(timeout);
    try {
      transport.connect(socket);
    } catch (IOException e) {
      if (watchdog.fired()) {
        throw new QmpConnectException(
            "connecting to " + socket + " did not complete within " + timeout, e);
      }
      throw new QmpConnectException("cannot connect to " + socket + ": " + e, e);
    } finally {
      watchdog.cancel();
    }
  }

  private void negotiate(Duration timeout) throws QmpException {
    var watchdog = new Watchdog(timeout);
    boolean greeted = false;
    try {
      byte[] first = transport.readLine();
      if (first == null) {
        throw new QmpNegotiationException("QEMU closed " + socket + " before sending a greeting");
      }
      greeting = QmpGreeting.parse(parse(first));
      greeted = true;
      CompletableFuture<JsonNode> capabilities = send("qmp_capabilities", null, null);
      while (!capabilities.isDone()) {
        byte[] line = transport.readLine();
        if (line == null) {
          throw new QmpNegotiationException("QEMU closed " + socket + " during negotiation");
        }
        dispatch(line);
      }
      capabilities.join();
    } catch (IOException e) {
      if (!watchdog.fired()) {
        throw new QmpNegotiationException("negotiation on " + socket + " failed: " + e, e);
      }
      if (!greeted) {
        throw new QmpNegotiationException(
            "no QMP greeting on "
                + socket
                + " within the greeting timeout of "
                + timeout
                + "; QEMU serves one client per QMP socket, so another client is probably"
                + " connected",
            e);
      }
      throw new QmpNegotiationException(
          "qmp_capabilities was not answered on " + socket + " within " + timeout, e);
    } catch (CompletionException e) {
      throw new QmpNegotiationException(
          "qmp_capabilities failed on " + socket + ": " + e.getCause().getMessage(), e.getCause());
    } catch (QmpProtocolException e) {
      throw new QmpNegotiationException(
          "protocol error during negotiation on " + socket + ": " + e.getMessage(), e);
    } finally {
      watchdog.cancel();
    }
  }

  void startReader() {
    pending.start();
    reader = readerThread.newThread(this::readLoop);
    reader.start();
  }

  QmpGreeting greeting() {
    return greeting;
  }

  /** Completes with the cause once the session has ended and its pending commands have failed. */
  CompletableFuture<QmpException> closed() {
    return closed;
  }

  /** Sends a command; the future completes with QEMU's {@code return} value or a QmpException. */
  CompletableFuture<JsonNode> execute(String command, JsonNode arguments, Duration timeout) {
    return send(command, arguments, timeout);
  }

  private CompletableFuture<JsonNode> send(String command, JsonNode arguments, Duration timeout) {
    if (arguments != null && !arguments.isNull() && !arguments.isObject()) {
      throw new IllegalArgumentException("QMP arguments must be a JSON object: " + arguments);
    }
    PendingCommands.Ticket ticket = pending.register(command, timeout);
    if (ticket.future().isDone()) {
      return ticket.future(); // the session has ended
    }
    try {
      transport.writeLine(encode(command, arguments, ticket.id()));
    } catch (IOException e) {
      pending.sendFailed(ticket, e);
      close(new QmpDisconnectedException("writing to " + socket + " failed: " + e, e));
    }
    return ticket.future();
  }

  /**
   * {@code {"execute":COMMAND,"arguments":ARGUMENTS,"id":ID}}, written directly: a Jackson
   * generator per command cost ~12 µs of CPU (JFR, QMP path benchmark); only the arguments, when
   * there are any, go through Jackson.
   */
  private static byte[] encode(String command, JsonNode arguments, long id) {
    var out = new ByteArrayOutputStream(64 + command.length());
    out.writeBytes(EXECUTE);
    out.writeBytes(JsonStringEncoder.getInstance().quoteAsUTF8(command));
    out.write('"');
    if (arguments != null && !arguments.isNull()) {
      out.writeBytes(ARGUMENTS);
      try {
        out.writeBytes(JSON.writeValueAsBytes(arguments));
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot serialize arguments of " + command, e);
      }
    }
    out.writeBytes(ID);
    out.writeBytes(Long.toString(id).getBytes(StandardCharsets.US_ASCII));
    out.write('}');
    return out.toByteArray();
  }

  private void readLoop() {
    QmpException cause;
    try {
      while (true) {
        byte[] line = transport.readLine();
        if (line == null) {
          cause = new QmpDisconnectedException("QEMU closed the QMP connection on " + socket);
          break;
        }
        dispatch(line);
      }
    } catch (QmpProtocolException e) {
      cause = e;
    } catch (IOException e) {
      cause =
          clientClosing
              ? new QmpDisconnectedException("the QMP client was closed")
              : new QmpDisconnectedException("QMP connection on " + socket + " lost: " + e, e);
    } catch (RuntimeException e) {
      cause = new QmpProtocolException("cannot handle a message from QEMU: " + e, e);
    }
    close(cause);
  }

  private void dispatch(byte[] line) throws QmpProtocolException {
    JsonNode message = parse(line);
    if (message == null || message.isMissingNode()) {
      return; // blank line
    }
    if (!message.isObject()) {
      throw new QmpProtocolException("QMP message is not a JSON object: " + abbreviate(line));
    }
    if (message.has("event")) {
      deliverEvent(message);
      return;
    }
    boolean isError = message.has("error");
    if (!isError && !message.has("return")) {
      LOG.warn("Dropped an unrecognised QMP message on {}: {}", socket, abbreviate(line));
      return;
    }
    JsonNode id = message.get("id");
    if (id == null) {
      if (isError) {
        // We only send well-formed commands with ids, so this means the stream is out of sync.
        throw new QmpProtocolException(
            "QMP error reply without an id (stream out of sync): " + abbreviate(line));
      }
      LOG.warn("Dropped a QMP reply without an id on {}: {}", socket, abbreviate(line));
      return;
    }
    pending.answer(id, message);
  }

  /** An event's data defaults to an empty object, its timestamp to now. */
  private void deliverEvent(JsonNode message) {
    JsonNode data = message.get("data");
    if (data == null || !data.isObject()) {
      data = JSON.createObjectNode();
    }
    JsonNode stamp = message.path("timestamp");
    Instant timestamp =
        stamp.has("seconds")
            ? Instant.ofEpochSecond(
                stamp.path("seconds").asLong(), stamp.path("microseconds").asLong() * 1000)
            : Instant.now();
    host.onEvent(message.path("event").asText(), data, timestamp);
  }

  private static JsonNode parse(byte[] line) throws QmpProtocolException {
    try {
      return JSON.readTree(line);
    } catch (IOException e) {
      throw new QmpProtocolException("malformed JSON from QEMU: " + abbreviate(line), e);
    }
  }

  /** Ends the session at the client's request; fails pending commands and joins the reader. */
  void closeByClient() throws InterruptedException {
    clientClosing = true;
    close(new QmpDisconnectedException("the QMP client was closed"));
    Thread r = reader;
    if (r != null && r != Thread.currentThread()) {
      r.join();
    }
  }

  private void close(QmpException cause) {
    if (!closing.compareAndSet(false, true)) {
      return;
    }
    pending.end(cause);
    transport.close();
    try {
      host.onClosed(this, cause);
    } finally {
      pending.failAll();
      closed.complete(cause);
    }
  }

  private static String abbreviate(byte[] line) {
    int shown = Math.min(line.length, 200);
    String text = new String(line, 0, shown, StandardCharsets.UTF_8);
    return shown < line.length ? text + "… (" + line.length + " bytes)" : text;
  }

  /** Closes the transport when a deadline passes, which aborts a blocked connect or read. */
  private final class Watchdog {
    private final AtomicBoolean fired = new AtomicBoolean();
    private final ScheduledFuture<?> task;

    Watchdog(Duration timeout) {
      task =
          timer.schedule(
              () -> {
                fired.set(true);
                transport.close();
              },
              timeout.toNanos(),
              TimeUnit.NANOSECONDS);
    }

    boolean fired() {
      return fired.get();
    }

    void cancel() {
      task.cancel(false);
    }
  }
}
