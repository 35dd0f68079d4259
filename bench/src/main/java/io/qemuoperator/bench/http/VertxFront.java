package io.qemuoperator.bench.http;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Vert.x core's HTTP server (Netty underneath; the version the Fabric8 client already brings): one
 * event loop, the answer handed to it from the QMP reader thread. Vert.x core has no body cap of
 * its own (vertx-web's BodyHandler has), so the handler checks Content-Length and counts what
 * streams in, answering 413 and closing. Settings beyond the defaults: one event loop and one
 * worker thread, a 30 s idle timeout (as ours), TCP_NODELAY.
 */
final class VertxFront implements HttpFront {
  private final Vertx vertx;

  private VertxFront(Vertx vertx) {
    this.vertx = vertx;
  }

  static VertxFront start(InetSocketAddress address, FrontService service)
      throws InterruptedException, ExecutionException, TimeoutException {
    Vertx vertx =
        Vertx.vertx(
            new VertxOptions()
                .setEventLoopPoolSize(1)
                .setWorkerPoolSize(1)
                .setInternalBlockingPoolSize(1));
    HttpServer server =
        vertx.createHttpServer(
            new HttpServerOptions()
                .setHost(address.getHostString())
                .setPort(address.getPort())
                .setIdleTimeout(30)
                .setIdleTimeoutUnit(TimeUnit.SECONDS)
                .setTcpNoDelay(true));
    server
        .requestHandler(request -> serve(request, service))
        .listen()
        .toCompletionStage()
        .toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
    return new VertxFront(vertx);
  }

  private static void serve(HttpServerRequest request, FrontService service) {
    switch (request.path()) {
      case FrontService.HEALTHZ -> respond(request, 200, FrontService.ALIVE, false);
      case FrontService.QUERY_STATUS -> {
        if (!service.authorized(request.getHeader("Authorization"))) {
          request.response().putHeader("WWW-Authenticate", "Bearer");
          respond(request, 401, FrontService.UNAUTHORIZED, false);
          return;
        }
        if (declaredLength(request) > service.maxBodyBytes()) {
          respond(request, 413, FrontService.TOO_LARGE, true);
          return;
        }
        Buffer body = Buffer.buffer();
        boolean[] refused = {false};
        request.handler(
            chunk -> {
              if (refused[0]) {
                return;
              }
              if (body.length() + chunk.length() > service.maxBodyBytes()) {
                refused[0] = true;
                respond(request, 413, FrontService.TOO_LARGE, true);
              } else {
                body.appendBuffer(chunk);
              }
            });
        request.endHandler(
            end -> {
              if (refused[0]) {
                return;
              }
              if (!service.acceptableArguments(body.getBytes())) {
                respond(request, 400, FrontService.NOT_A_JSON_OBJECT, false);
              } else {
                service
                    .queryStatus()
                    .thenAccept(
                        answer -> respond(request, FrontService.statusOf(answer), answer, false));
              }
            });
      }
      default -> respond(request, 404, FrontService.NOT_FOUND, false);
    }
  }

  /** The Content-Length as Netty passed it on (0 when absent), or MAX_VALUE when unreadable. */
  private static long declaredLength(HttpServerRequest request) {
    String length = request.getHeader("Content-Length");
    try {
      return length == null ? 0 : Long.parseLong(length.strip());
    } catch (NumberFormatException e) {
      return Long.MAX_VALUE;
    }
  }

  private static void respond(HttpServerRequest request, int status, byte[] body, boolean close) {
    var response = request.response().setStatusCode(status);
    response.putHeader("Content-Type", FrontService.JSON);
    if (close) {
      response.putHeader("Connection", "close");
    }
    response.end(Buffer.buffer(body));
  }

  @Override
  public void close() throws IOException {
    try {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      throw new IOException("Vert.x did not stop", e);
    }
  }
}
