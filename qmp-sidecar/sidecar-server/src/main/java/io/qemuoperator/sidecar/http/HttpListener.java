package io.qemuoperator.sidecar.http;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * A small HTTP/1.1 server: one platform thread per connection, which reads each request and runs
 * the handler on it; the handler may answer from another thread (the QMP reader answers commands as
 * QEMU's reply arrives).
 *
 * <p>Why not the JDK's {@code HttpServer}: its dispatcher thread wakes for every request and hands
 * it to an executor, and after every answer the connection goes back to the dispatcher's selector.
 * Under the QMP path benchmark that was ~95 µs of CPU and two thread wake-ups per request on the
 * critical path (see bench/PROFILE.md). Here a request costs one wake-up of the connection thread.
 * Platform threads, because a virtual thread blocked in a socket read waits for the JDK's poller
 * before it runs. Keep-alive connections idle longer than 30 s are closed, as the JDK server does;
 * at most {@code maxConnections} are open, further ones are closed at once.
 */
public final class HttpListener implements AutoCloseable {
  private static final int IDLE_MILLIS = 30_000;
  private static final long ACCEPT_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
  private static final long JOIN_MILLIS = TimeUnit.SECONDS.toMillis(5);

  private final ServerSocket server;
  private final Consumer<ServerExchange> handler;
  private final int maxConnections;
  private final HttpDate date = new HttpDate();
  private final Map<HttpConnection, Thread> connections = new ConcurrentHashMap<>();
  private final AtomicLong accepted = new AtomicLong();

  /**
   * How long one answer may take to write: a client that reads nothing fills the socket's buffers
   * and would hold the writer (and its connection's slot) for ever; at the deadline its connection
   * is closed, and the write fails.
   */
  public static final long WRITE_DEADLINE_MILLIS = 10_000;

  /** The connections' write deadlines ({@link #WRITE_DEADLINE_MILLIS}). */
  private final ScheduledExecutorService deadlines =
      Executors.newSingleThreadScheduledExecutor(
          Thread.ofPlatform().daemon().name("http-write-deadlines").factory());

  private Thread acceptor;

  private HttpListener(ServerSocket server, Consumer<ServerExchange> handler, int maxConnections) {
    this.server = server;
    this.handler = handler;
    this.maxConnections = maxConnections;
  }

  /** Binds the address; requests are served after {@link #start()}. */
  public static HttpListener bind(
      InetSocketAddress address, int backlog, int maxConnections, Consumer<ServerExchange> handler)
      throws IOException {
    var server = new ServerSocket();
    try {
      server.bind(address, backlog);
    } catch (IOException e) {
      server.close();
      throw e;
    }
    return new HttpListener(server, handler, maxConnections);
  }

  public synchronized void start() {
    if (acceptor == null) {
      acceptor = Thread.ofPlatform().daemon().name("http-accept").start(this::acceptLoop);
    }
  }

  /** The bound address (the real port when port 0 was asked for). */
  public InetSocketAddress address() {
    return (InetSocketAddress) server.getLocalSocketAddress();
  }

  /** Stops accepting, closes every connection and waits briefly for their threads. */
  @Override
  public void close() {
    try {
      server.close();
    } catch (IOException e) {
      // closing anyway
    }
    connections.forEach(HttpConnection::abort);
    boolean interrupted = false;
    Thread accepting;
    synchronized (this) {
      accepting = acceptor;
    }
    var threads = new ArrayList<Thread>(connections.values());
    if (accepting != null) {
      threads.add(accepting);
    }
    for (Thread thread : threads) {
      try {
        thread.join(JOIN_MILLIS);
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    deadlines.shutdownNow();
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      Socket socket;
      try {
        socket = server.accept();
      } catch (IOException e) {
        if (!server.isClosed()) {
          LockSupport.parkNanos(ACCEPT_BACKOFF_NANOS); // e.g. out of file descriptors
        }
        continue;
      }
      try {
        if (connections.size() >= maxConnections) {
          socket.close();
          continue;
        }
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(IDLE_MILLIS);
      } catch (IOException e) {
        closeQuietly(socket);
        continue;
      }
      var connection = new HttpConnection(socket, handler, date, deadlines);
      Thread thread =
          Thread.ofPlatform()
              .daemon()
              .name("http-" + accepted.incrementAndGet())
              .unstarted(
                  () -> {
                    try {
                      connection.run();
                    } finally {
                      connections.remove(connection);
                    }
                  });
      connections.put(connection, thread);
      thread.start();
      if (server.isClosed()) {
        connection.abort(thread);
      }
    }
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // nothing to do
    }
  }
}
