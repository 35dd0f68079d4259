package io.qemuoperator.sidecar.web;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.SizeLimitHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.websocket.server.ServerWebSocketContainer;

/**
 * The sidecar's HTTP/1.1 server: Jetty 12's core server (no servlets), chosen by measurement over
 * the hand-written one it replaced (bench/README.md, "HTTP servers for the sidecar"). Jetty parses
 * strictly (RFC 9110/9112: one Content-Length, no obs-fold, no bare CR, chunk framing), answers a
 * too-large body with 413 after reading and dropping up to {@value #UNCONSUMED_READS} reads of it
 * (so a client that sends its whole body first reads the answer), and writes without blocking. The
 * settings beyond Jetty's defaults are the sidecar's limits:
 *
 * <ul>
 *   <li>{@link #IDLE_TIMEOUT}: a connection without a byte either way for that long closes, and so
 *       does a write a client does not read for that long;
 *   <li>{@link #HEAD_DEADLINE} and {@link #MAX_AWAITING_HEADS} ({@link AwaitingHeads}): a
 *       connection waits at most that long for a whole request head, and at most that many wait at
 *       once;
 *   <li>the body cap ({@link SizeLimitHandler}), and the request head's at {@value #MAX_HEAD_BYTES}
 *       bytes (431);
 *   <li>handlers that block (a command waits for QEMU, a long poll for events) run on virtual
 *       threads; Jetty's own threads (at most {@value #MAX_THREADS}) only select and parse;
 *   <li>every error Jetty answers itself (400, 413, 431, …) has the sidecar's error body ({@link
 *       ErrorAnswers}), never the request's text.
 * </ul>
 */
public final class WebServer implements AutoCloseable {
  public static final Duration IDLE_TIMEOUT = Duration.ofSeconds(30);
  public static final Duration HEAD_DEADLINE = Duration.ofSeconds(10);
  public static final int MAX_AWAITING_HEADS = 256;
  public static final int MAX_HEAD_BYTES = 16 * 1024;

  /**
   * The most of a refused or unread request body a handler reads and drops before it answers, so
   * that a client that sends its whole body before it reads (Python's urllib, the JDK's client)
   * reads the answer, not a broken pipe. Past it the connection closes after the answer.
   */
  public static final long DRAIN_BYTES = 16L << 20;

  static final int UNCONSUMED_READS = 512;
  static final int MAX_THREADS = 16;
  private static final Duration SWEEP = Duration.ofSeconds(1);

  private final Server server;
  private final ServerConnector connector;
  private final AwaitingHeads<Connection> heads;

  private WebServer(Server server, ServerConnector connector, AwaitingHeads<Connection> heads) {
    this.server = server;
    this.connector = connector;
    this.heads = heads;
  }

  /**
   * Serves {@code handler} on {@code address} (port 0: any free port), with request bodies capped
   * at {@code maxBodyBytes}; with {@code webSockets}, a handler may upgrade a request ({@link
   * ServerWebSocketContainer#get}); what Jetty refuses itself is answered with {@code errors}.
   */
  public static WebServer start(
      String name,
      InetSocketAddress address,
      int maxBodyBytes,
      boolean webSockets,
      Handler handler,
      ErrorBodies errors)
      throws IOException {
    var threads = new QueuedThreadPool(MAX_THREADS, 2);
    threads.setName(name);
    threads.setVirtualThreadsExecutor(
        Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name(name + "-", 0).factory()));
    var server = new Server(threads);
    var heads =
        new AwaitingHeads<Connection>(
            HEAD_DEADLINE,
            MAX_AWAITING_HEADS,
            System::nanoTime,
            AwaitingHeads::closeUnlessUpgraded);

    var http = new HttpConfiguration();
    http.setSendServerVersion(false);
    http.setRequestHeaderSize(MAX_HEAD_BYTES);
    http.setMaxUnconsumedRequestContentReads(UNCONSUMED_READS);
    var connector = new ServerConnector(server, 1, 1, new WatchedHttp(http, heads));
    connector.setHost(address.getHostString());
    connector.setPort(address.getPort());
    connector.setIdleTimeout(IDLE_TIMEOUT.toMillis());
    server.addConnector(connector);

    // the handlers refuse a body past maxBodyBytes themselves, and read what is left of it (up to
    // DRAIN_BYTES) before they answer; past DRAIN_BYTES Jetty answers 413 at once
    var sizeLimit = new SizeLimitHandler(Math.max(maxBodyBytes, DRAIN_BYTES), -1);
    sizeLimit.setHandler(handler);
    server.setHandler(new HeadArrived(heads, sizeLimit));
    server.setErrorHandler(new ErrorAnswers(errors));
    if (webSockets) {
      ServerWebSocketContainer.ensure(server);
    }
    try {
      server.start();
    } catch (Exception e) {
      stopQuietly(server);
      if (e instanceof IOException io) {
        throw io;
      }
      throw new IOException("the HTTP server did not start on " + address + ": " + e, e);
    }
    var web = new WebServer(server, connector, heads);
    web.sweepLater();
    return web;
  }

  /** The bound address (the real port when port 0 was asked for). */
  public InetSocketAddress address() {
    return new InetSocketAddress(connector.getHost(), connector.getLocalPort());
  }

  /** How many connections wait for a request head now. */
  public int awaitingHeads() {
    return heads.count();
  }

  @Override
  public void close() {
    stopQuietly(server);
  }

  private void sweepLater() {
    if (server.isRunning()) {
      server
          .getScheduler()
          .schedule(
              () -> {
                heads.closeOverdue();
                sweepLater();
              },
              SWEEP.toMillis(),
              TimeUnit.MILLISECONDS);
    }
  }

  private static void stopQuietly(Server server) {
    try {
      server.stop();
    } catch (Exception ignored) {
      // stopping anyway
    }
  }

  /** HTTP/1.1 connections that wait for a head from the start, and stop waiting when closed. */
  private static final class WatchedHttp extends HttpConnectionFactory {
    private final AwaitingHeads<Connection> heads;

    WatchedHttp(HttpConfiguration configuration, AwaitingHeads<Connection> heads) {
      super(configuration);
      this.heads = heads;
    }

    @Override
    public Connection newConnection(Connector connector, EndPoint endPoint) {
      Connection connection = super.newConnection(connector, endPoint);
      connection.addEventListener(
          new Connection.Listener() {
            @Override
            public void onClosed(Connection closed) {
              heads.served(closed);
            }
          });
      heads.waiting(connection);
      return connection;
    }
  }

  /** A head arrived: its connection waits no more until the exchange ends. */
  private static final class HeadArrived extends Handler.Wrapper {
    private final AwaitingHeads<Connection> heads;

    HeadArrived(AwaitingHeads<Connection> heads, Handler next) {
      super(next);
      this.heads = heads;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
      Connection connection = request.getConnectionMetaData().getConnection();
      heads.served(connection);
      Request.addCompletionListener(
          request,
          failure -> {
            EndPoint endPoint = connection.getEndPoint();
            if (failure == null && endPoint.isOpen() && endPoint.getConnection() == connection) {
              heads.waiting(connection);
            }
          });
      return super.handle(request, response, callback);
    }
  }
}
