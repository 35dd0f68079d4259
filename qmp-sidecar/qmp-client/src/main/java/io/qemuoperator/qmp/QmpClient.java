package io.qemuoperator.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A QMP client for one QEMU monitor socket that keeps itself connected.
 *
 * <p>{@link #start} returns at once; a background virtual thread connects, reads the greeting,
 * negotiates and, whenever the session ends, reconnects with exponential backoff until {@link
 * #close()}. Commands carry generated ids so many may be in flight; each has a deadline. Events go
 * into a bounded {@link QmpEventBuffer} and then into each event listener's own bounded queue,
 * which the listener's own thread drains ({@link QmpEventSubscription}): the reader never runs
 * listener code, so a listener may block, even on a command of the same client.
 */
public final class QmpClient implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(QmpClient.class);

  private final QmpClientOptions options;
  private final QmpEventBuffer events;
  private final List<QmpEventSubscription> eventListeners = new CopyOnWriteArrayList<>();
  private final List<QmpSessionListener> sessionListeners = new CopyOnWriteArrayList<>();
  private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
  private final ScheduledThreadPoolExecutor timer;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final Host host = new Host();
  private Thread loop;

  // Guarded by lock.
  private QmpClientState state = QmpClientState.CONNECTING;
  private QmpSession session;
  private long sessions;
  private boolean closed;

  private volatile QmpException lastFailure;

  private QmpClient(QmpClientOptions options) {
    this.options = options;
    this.events = new QmpEventBuffer(options.eventBufferCapacity());
    this.timer = new ScheduledThreadPoolExecutor(1, task -> newThread("qmp-timer", task));
    this.timer.setRemoveOnCancelPolicy(true);
  }

  /** Creates the client and starts connecting in the background; returns at once. */
  public static QmpClient start(QmpClientOptions options) {
    return create(options).connect();
  }

  /**
   * A client that does not connect until {@link #connect()}, so that listeners registered first see
   * the very first session.
   */
  public static QmpClient create(QmpClientOptions options) {
    return new QmpClient(Objects.requireNonNull(options, "options"));
  }

  /** Starts the background connect loop; once per client. */
  public synchronized QmpClient connect() {
    if (loop != null) {
      throw new IllegalStateException("connect() was already called");
    }
    loop = newThread("qmp-connect", this::connectLoop);
    loop.start();
    return this;
  }

  public QmpClientOptions options() {
    return options;
  }

  public QmpClientState state() {
    lock.lock();
    try {
      return state;
    } finally {
      lock.unlock();
    }
  }

  /** Waits until the client is RUNNING; false when the timeout passed or the client is closed. */
  public boolean awaitRunning(Duration timeout) throws InterruptedException {
    long remaining = timeout.toNanos();
    lock.lock();
    try {
      while (state != QmpClientState.RUNNING && state != QmpClientState.CLOSED && remaining > 0) {
        remaining = changed.awaitNanos(remaining);
      }
      return state == QmpClientState.RUNNING;
    } finally {
      lock.unlock();
    }
  }

  /** The greeting of the current session; empty when not RUNNING. */
  public Optional<QmpGreeting> greeting() {
    lock.lock();
    try {
      return state == QmpClientState.RUNNING && session != null
          ? Optional.of(session.greeting())
          : Optional.empty();
    } finally {
      lock.unlock();
    }
  }

  /** How many sessions were negotiated so far. */
  public long sessions() {
    lock.lock();
    try {
      return sessions;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Sends a command with the default command timeout; see {@link #execute(String, JsonNode,
   * Duration)}.
   */
  public CompletableFuture<JsonNode> execute(String command, JsonNode arguments) {
    return execute(command, arguments, options.commandTimeout());
  }

  /**
   * Sends a command. The future completes with QEMU's {@code return} value, or exceptionally with
   * {@link QmpCommandException} (QEMU's error), {@link QmpTimeoutException}, {@link
   * QmpDisconnectedException} (not RUNNING, or the connection dropped while in flight) or {@link
   * QmpProtocolException}. Dependent stages may run on the client's reader or timer thread.
   *
   * @param arguments null or a JSON object
   */
  public CompletableFuture<JsonNode> execute(String command, JsonNode arguments, Duration timeout) {
    Objects.requireNonNull(command, "command");
    Objects.requireNonNull(timeout, "timeout");
    QmpSession current;
    QmpClientState now;
    lock.lock();
    try {
      current = state == QmpClientState.RUNNING ? session : null;
      now = state;
    } finally {
      lock.unlock();
    }
    if (current == null) {
      QmpException last = lastFailure;
      String message =
          "'"
              + command
              + "' not sent: QMP client for "
              + options.socket()
              + " is "
              + now
              + (last == null ? "" : " (last attempt: " + last.getMessage() + ")");
      return CompletableFuture.failedFuture(
          last == null
              ? new QmpDisconnectedException(message)
              : new QmpDisconnectedException(message, last));
    }
    return current.execute(command, arguments, timeout);
  }

  /** Blocking {@link #execute(String, JsonNode)}: QEMU's {@code return} value or the failure. */
  public JsonNode call(String command, JsonNode arguments) throws QmpException {
    try {
      return execute(command, arguments).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new QmpInterruptedException("interrupted while waiting for '" + command + "'", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof QmpException qmp) {
        throw qmp;
      }
      throw new IllegalStateException("unexpected failure of '" + command + "'", e.getCause());
    }
  }

  /** All events received over the client's life, in a bounded ring. */
  public QmpEventBuffer events() {
    return events;
  }

  /**
   * Delivers every event from now on, once it is in the buffer, to {@code listener} on a thread of
   * its own, through a queue as long as the event buffer; when the queue is full the oldest queued
   * event is dropped (see {@link QmpEventSubscription}). Close the subscription to remove the
   * listener; closing the client closes them all.
   *
   * @throws IllegalStateException when the client is closed
   */
  public QmpEventSubscription addEventListener(Consumer<QmpEvent> listener) {
    Objects.requireNonNull(listener, "listener");
    lock.lock();
    try {
      if (closed) {
        throw new IllegalStateException("the QMP client for " + options.socket() + " is closed");
      }
      var subscription =
          QmpEventSubscription.start(
              listener,
              options.eventBufferCapacity(),
              task -> newThread("qmp-events", task),
              eventListeners::remove);
      eventListeners.add(subscription);
      return subscription;
    } finally {
      lock.unlock();
    }
  }

  public void addSessionListener(QmpSessionListener listener) {
    sessionListeners.add(Objects.requireNonNull(listener, "listener"));
  }

  /** Stops reconnecting, closes the socket, fails pending commands and joins the threads. */
  @Override
  public void close() {
    QmpSession current;
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      state = QmpClientState.CLOSED;
      current = session;
      session = null;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    boolean interrupted = false;
    Thread self = Thread.currentThread();
    Thread connectLoop;
    synchronized (this) {
      connectLoop = loop;
    }
    if (connectLoop != null && connectLoop != self) {
      connectLoop.interrupt();
    }
    try {
      if (current != null) {
        current.closeByClient();
      }
      if (connectLoop != null && connectLoop != self) {
        connectLoop.join();
      }
    } catch (InterruptedException e) {
      interrupted = true;
    }
    for (QmpEventSubscription subscription : eventListeners) {
      subscription.close();
    }
    timer.shutdownNow();
    for (Thread thread : threads) {
      if (thread != self) {
        try {
          thread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    }
    if (interrupted) {
      self.interrupt();
    }
    LOG.info("QMP client for {} closed", options.socket());
  }

  /** Threads of this client still alive; empty after {@link #close()}. For tests. */
  Set<Thread> liveThreads() {
    threads.removeIf(t -> !t.isAlive());
    return Set.copyOf(threads);
  }

  private void connectLoop() {
    Duration backoff = options.reconnectInitialBackoff();
    long attempt = 0;
    while (setState(QmpClientState.CONNECTING)) {
      attempt++;
      LOG.debug("Connecting to QMP socket {} (attempt {})", options.socket(), attempt);
      QmpSession opened;
      try {
        opened = QmpSession.open(options, timer, task -> newThread("qmp-reader", task), host);
      } catch (QmpException e) {
        if (isClosed()) {
          return;
        }
        if (lastFailure == null || !lastFailure.getMessage().equals(e.getMessage())) {
          LOG.info("QMP connect to {} failed, retrying: {}", options.socket(), e.getMessage());
        }
        lastFailure = e;
        notifyListeners(l -> l.attemptFailed(e));
        if (!setState(QmpClientState.DISCONNECTED) || !sleep(backoff)) {
          return;
        }
        backoff = backoff.multipliedBy(2);
        if (backoff.compareTo(options.reconnectMaxBackoff()) > 0) {
          backoff = options.reconnectMaxBackoff();
        }
        continue;
      }
      backoff = options.reconnectInitialBackoff();
      attempt = 0;
      lastFailure = null;
      lock.lock();
      try {
        if (!closed) {
          session = opened;
          state = QmpClientState.RUNNING;
          sessions++;
          changed.signalAll();
        }
      } finally {
        lock.unlock();
      }
      if (isClosed()) {
        try {
          opened.closeByClient();
        } catch (InterruptedException e) {
          // Closing anyway.
        }
        return;
      }
      QmpGreeting greeting = opened.greeting();
      LOG.info(
          "QMP connected to QEMU {} ({}) at {}",
          greeting.version(),
          greeting.packageName(),
          options.socket());
      opened.startReader();
      notifyListeners(l -> l.connected(greeting));
      QmpException cause;
      try {
        cause = opened.closed().get();
      } catch (InterruptedException | ExecutionException e) {
        return;
      }
      if (isClosed()) {
        return;
      }
      LOG.info("QMP disconnected from {}: {}", options.socket(), cause.getMessage());
      notifyListeners(l -> l.disconnected(cause));
    }
  }

  /** Sets the state unless closed; false once closed. */
  private boolean setState(QmpClientState next) {
    lock.lock();
    try {
      if (closed) {
        return false;
      }
      state = next;
      changed.signalAll();
      return true;
    } finally {
      lock.unlock();
    }
  }

  private boolean isClosed() {
    lock.lock();
    try {
      return closed;
    } finally {
      lock.unlock();
    }
  }

  /** Waits out a backoff; false when the client was closed meanwhile. */
  private boolean sleep(Duration backoff) {
    long remaining = backoff.toNanos();
    lock.lock();
    try {
      while (!closed && remaining > 0) {
        remaining = changed.awaitNanos(remaining);
      }
      return !closed;
    } catch (InterruptedException e) {
      return false;
    } finally {
      lock.unlock();
    }
  }

  private void notifyListeners(Consumer<QmpSessionListener> call) {
    for (QmpSessionListener listener : sessionListeners) {
      try {
        call.accept(listener);
      } catch (RuntimeException e) {
        LOG.warn("QMP session listener failed", e);
      }
    }
  }

  /**
   * The client's few long-lived threads (connect loop, reader, timer, one per event listener) are
   * platform threads: a platform reader blocks in the kernel's read and completes a reply at once,
   * where a virtual one would first wait for the JDK's poller to schedule it (measured: ~100 µs
   * more per command).
   */
  private Thread newThread(String name, Runnable task) {
    Thread thread =
        Thread.ofPlatform()
            .daemon()
            .name(name + "-" + options.socket().getFileName())
            .unstarted(
                () -> {
                  try {
                    task.run();
                  } finally {
                    threads.remove(Thread.currentThread());
                  }
                });
    threads.add(thread);
    return thread;
  }

  /**
   * Adds an event that did not come from QEMU to the client's stream (its buffer and listeners), in
   * order with QEMU's: a caller that follows the stream (the sidecar's {@code /v1/events}) hears of
   * something the client's owner observed itself, such as the guest agent starting to answer.
   */
  public QmpEvent publishOwnEvent(String name, JsonNode data) {
    QmpEvent event = events.publish(name, data, Instant.now());
    for (QmpEventSubscription listener : eventListeners) {
      listener.offer(event);
    }
    return event;
  }

  /** Where the client's sessions deliver events and report their end. */
  private final class Host implements QmpSession.Host {
    @Override
    public void onEvent(String name, JsonNode data, Instant timestamp) {
      QmpEvent event = events.publish(name, data, timestamp);
      for (QmpEventSubscription listener : eventListeners) {
        listener.offer(event);
      }
    }

    @Override
    public void onClosed(QmpSession closedSession, QmpException cause) {
      lock.lock();
      try {
        if (session == closedSession) {
          session = null;
          if (state == QmpClientState.RUNNING) {
            state = QmpClientState.DISCONNECTED;
          }
          changed.signalAll();
        }
      } finally {
        lock.unlock();
      }
    }
  }
}
