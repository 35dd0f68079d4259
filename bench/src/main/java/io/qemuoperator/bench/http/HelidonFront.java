package io.qemuoperator.bench.http;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.ExecutionException;

/**
 * Helidon 4's WebServer (Níma): a virtual thread per connection, the handler blocking on QMP's
 * answer. The body cap is Helidon's own {@code maxPayloadSize}. Settings beyond Helidon's defaults:
 * a 30 s idle timeout (as ours), no shutdown hook (the benchmark stops the process).
 */
final class HelidonFront implements HttpFront {
  private static final Duration IDLE = Duration.ofSeconds(30);
  private final WebServer server;

  private HelidonFront(WebServer server) {
    this.server = server;
  }

  static HelidonFront start(InetSocketAddress address, FrontService service) {
    WebServer server =
        WebServer.builder()
            .host(address.getHostString())
            .port(address.getPort())
            .maxPayloadSize(service.maxBodyBytes())
            .idleConnectionTimeout(IDLE)
            .shutdownHook(false)
            .routing(
                routing ->
                    routing
                        .get(FrontService.HEALTHZ, (req, res) -> send(res, 200, FrontService.ALIVE))
                        .post(
                            FrontService.QUERY_STATUS,
                            (req, res) -> queryStatus(service, req, res)))
            .build()
            .start();
    return new HelidonFront(server);
  }

  private static void queryStatus(FrontService service, ServerRequest req, ServerResponse res)
      throws InterruptedException, ExecutionException {
    if (!service.authorized(req.headers().first(HeaderNames.AUTHORIZATION).orElse(null))) {
      res.header(HeaderNames.WWW_AUTHENTICATE, "Bearer");
      send(res, 401, FrontService.UNAUTHORIZED);
      return;
    }
    byte[] body = req.content().hasEntity() ? req.content().as(byte[].class) : new byte[0];
    if (!service.acceptableArguments(body)) {
      send(res, 400, FrontService.NOT_A_JSON_OBJECT);
      return;
    }
    byte[] answer = service.queryStatus().get();
    send(res, FrontService.statusOf(answer), answer);
  }

  private static void send(ServerResponse res, int status, byte[] body) {
    res.status(status);
    res.header(HeaderNames.CONTENT_TYPE, FrontService.JSON);
    res.send(body);
  }

  @Override
  public void close() {
    server.stop();
  }
}
