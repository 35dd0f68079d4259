package io.qemuoperator.bench.http;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.SizeLimitHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.thread.Invocable.InvocationType;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * Jetty 12's core server (no servlets): a non-blocking handler behind Jetty's own {@link
 * SizeLimitHandler} for the body cap; the answer is written from the QMP reader thread. Settings
 * beyond Jetty's defaults: a 30 s idle timeout (as ours), a pool of at most 16 threads, and more
 * reads of an unconsumed body before closing.
 */
final class JettyFront implements HttpFront {
  private static final Duration IDLE = Duration.ofSeconds(30);
  private final org.eclipse.jetty.server.Server server;

  private JettyFront(org.eclipse.jetty.server.Server server) {
    this.server = server;
  }

  static JettyFront start(InetSocketAddress address, FrontService service) throws Exception {
    var threads = new QueuedThreadPool(16, 2);
    threads.setName("jetty");
    var server = new org.eclipse.jetty.server.Server(threads);
    var http = new HttpConfiguration();
    http.setSendServerVersion(false);
    // a refused body is read and dropped for up to this many reads (~8 MiB) before the connection
    // closes, so a client that sends its whole body first still reads the answer (Jetty's is 16)
    http.setMaxUnconsumedRequestContentReads(512);
    var connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
    connector.setHost(address.getHostString());
    connector.setPort(address.getPort());
    connector.setIdleTimeout(IDLE.toMillis());
    server.addConnector(connector);
    var sizeLimit = new SizeLimitHandler(service.maxBodyBytes(), -1);
    sizeLimit.setHandler(new Front(service));
    server.setHandler(sizeLimit);
    server.start();
    return new JettyFront(server);
  }

  static final class Front extends Handler.Abstract.NonBlocking {
    private final FrontService service;

    Front(FrontService service) {
      this.service = service;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
      switch (Request.getPathInContext(request)) {
        case FrontService.HEALTHZ -> respond(response, callback, 200, FrontService.ALIVE);
        case FrontService.QUERY_STATUS -> {
          if (!service.authorized(request.getHeaders().get(HttpHeader.AUTHORIZATION))) {
            response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer");
            respond(response, callback, 401, FrontService.UNAUTHORIZED);
          } else {
            Content.Source.asByteArrayAsync(
                request,
                service.maxBodyBytes(),
                Promise.Invocable.from(
                    InvocationType.NON_BLOCKING,
                    (body, failure) -> {
                      if (failure != null) {
                        Response.writeError(request, response, callback, failure);
                      } else if (!service.acceptableArguments(body)) {
                        respond(response, callback, 400, FrontService.NOT_A_JSON_OBJECT);
                      } else {
                        service
                            .queryStatus()
                            .thenAccept(
                                answer ->
                                    respond(
                                        response, callback, FrontService.statusOf(answer), answer));
                      }
                    }));
          }
        }
        default -> respond(response, callback, 404, FrontService.NOT_FOUND);
      }
      return true;
    }

    private static void respond(Response response, Callback callback, int status, byte[] body) {
      response.setStatus(status);
      response.getHeaders().put(HttpHeader.CONTENT_TYPE, FrontService.JSON);
      response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
      response.write(true, ByteBuffer.wrap(body), callback);
    }
  }

  @Override
  public void close() throws IOException {
    try {
      server.stop();
    } catch (Exception e) {
      throw new IOException("Jetty did not stop", e);
    }
  }
}
