package io.qemuoperator.qmp;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One negotiated QMP connection: greeting, {@code qmp_capabilities}, then a reader thread that
 * routes replies to pending commands by id and hands events to the client. When the connection ends
 * for any reason every pending command fails at once, and the session is never reused.
 */
final class QmpSession {
  private static final Logger LOG = LoggerFactory.getLogger(QmpSession.class);
  static final ObjectMapper JSON = new ObjectMapper();
  private static final int REMEMBERED_TIMEOUTS = 1024;
  private static final byte[] EXECUTE = "{\"execute\":\"".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] ARGUMENTS = ",\"arguments\":".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] ID = ",\"id\":".getBytes(StandardCharsets.US_ASCII);

  /** What a session needs from its client. */
  interface Host {
    /** An event message, on the reader thread (or during negotiation on the connecting one). */
    void onEvent(JsonNode message);

    /** Called once, before pending commands are failed, when the session ends. */
    void onClosed(QmpSession session, QmpException cause);

    Thread startThread(String name, Runnable task);

    ScheduledExecutorService timer();

    /** How far ahead the deadline sweep looks when no command is pending. */
    Duration idleSweep();

    long nextId();
  }

  /**
   * A command waiting for its reply; {@code timeout} is null for {@code qmp_capabilities}, whose
   * deadline is the negotiation's.
   */
  private record Pending(
      String command, CompletableFuture<JsonNode> future, Duration timeout, long deadlineNanos) {}

  private final Host host;
  private final Path socket;
  private final QmpTransport transport;
  private final Map<Long, Pending> pending = new ConcurrentHashMap<>();
  private final Set<Long> timedOut =
      Collections.synchronizedSet(
          Collections.newSetFromMap(
              new LinkedHashMap<>() {
                @Override
                protected boolean removeEldestEntry(Map.Entry<Long, Boolean> eldest) {
                  return size() > REMEMBERED_TIMEOUTS;
                }
              }));
  private final CommandDeadlines deadlines;
  private final AtomicBoolean closing = new AtomicBoolean();
  private final CompletableFuture<QmpException> closed = new CompletableFuture<>();
  private volatile QmpException closedCause;
  private volatile boolean clientClosing;
  private QmpGreeting greeting;
  private Thread reader;

  private QmpSession(Host host, Path socket, QmpTransport transport) {
    this.host = host;
    this.socket = socket;
    this.transport = transport;
    this.deadlines =
        new CommandDeadlines(host.timer(), host.idleSweep().toNanos(), this::expireOverdue);
  }

  /**
   * Connects, reads the greeting and negotiates, each under its deadline. The reader is not yet
   * running: call {@link #startReader()}.
   */
  static QmpSession open(QmpClientOptions options, Host host) throws QmpException {
    QmpTransport transport;
    try {
      transport = new QmpTransport(options.maxLineBytes());
    } catch (IOException e) {
      throw new QmpConnectException("cannot open a unix socket channel", e);
    }
    var session = new QmpSession(host, options.socket(), transport);
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
    } catch (java.util.concurrent.CompletionException e) {
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
    deadlines.start();
    reader = host.startThread("qmp-reader", this::readLoop);
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
    long id = host.nextId();
    byte[] bytes = encode(command, arguments, id);
    var future = new CompletableFuture<JsonNode>();
    long deadline = timeout == null ? 0 : System.nanoTime() + timeout.toNanos();
    pending.put(id, new Pending(command, future, timeout, deadline));
    QmpException cause = closedCause;
    if (cause != null) {
      pending.remove(id);
      future.completeExceptionally(failureOf(command, cause));
      return future;
    }
    if (timeout != null) {
      deadlines.watch(deadline);
    }
    try {
      transport.writeLine(bytes);
    } catch (IOException e) {
      pending.remove(id);
      QmpException failure =
          closedCause != null
              ? failureOf(command, closedCause)
              : new QmpDisconnectedException(
                  "sending '" + command + "' to " + socket + " failed: " + e, e);
      future.completeExceptionally(failure);
      close(new QmpDisconnectedException("writing to " + socket + " failed: " + e, e));
    }
    return future;
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

  /**
   * Fails the commands whose deadline passed by {@code now}; the earliest deadline left, or {@code
   * now} plus the idle sweep when none is.
   */
  private long expireOverdue(long now) {
    long earliest = now + host.idleSweep().toNanos();
    for (Map.Entry<Long, Pending> e : pending.entrySet()) {
      Pending entry = e.getValue();
      if (entry.timeout() == null) {
        continue;
      }
      if (now - entry.deadlineNanos() < 0) {
        if (entry.deadlineNanos() - earliest < 0) {
          earliest = entry.deadlineNanos();
        }
      } else if (pending.remove(e.getKey(), entry)) {
        timedOut.add(e.getKey());
        entry
            .future()
            .completeExceptionally(
                new QmpTimeoutException(
                    "'"
                        + entry.command()
                        + "' got no reply within "
                        + entry.timeout()
                        + " on "
                        + socket));
      }
    }
    return earliest;
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
      host.onEvent(message);
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
    Pending entry = id.isIntegralNumber() ? pending.remove(id.asLong()) : null;
    if (entry == null) {
      if (id.isIntegralNumber() && timedOut.remove(id.asLong())) {
        LOG.info("Dropped the late reply to timed-out command id {} on {}", id, socket);
      } else {
        LOG.warn("Dropped a QMP reply with unknown id {} on {}", id, socket);
      }
      return;
    }
    if (isError) {
      JsonNode error = message.get("error");
      entry
          .future()
          .completeExceptionally(
              new QmpCommandException(
                  error.path("class").asText(""), error.path("desc").asText("")));
    } else {
      entry.future().complete(message.get("return"));
    }
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
    closedCause = cause;
    deadlines.stop();
    transport.close();
    try {
      host.onClosed(this, cause);
    } finally {
      for (Long id : pending.keySet()) {
        Pending entry = pending.remove(id);
        if (entry != null) {
          entry.future().completeExceptionally(failureOf(entry.command(), cause));
        }
      }
      closed.complete(cause);
    }
  }

  private QmpException failureOf(String command, QmpException cause) {
    String message = "'" + command + "' failed: " + cause.getMessage();
    return cause instanceof QmpProtocolException
        ? new QmpProtocolException(message, cause)
        : new QmpDisconnectedException(message, cause);
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
          host.timer()
              .schedule(
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
