package io.qemuoperator.bench.http;

import io.qemuoperator.sidecar.web.WebServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.handler.SizeLimitHandler;

/**
 * The sidecar's own server as it runs in production: Jetty 12 with the sidecar's settings ({@link
 * WebServer}: request-head deadline and cap, minimum body rate, 431 past 16 KiB, virtual threads
 * for blocking handlers, fixed error bodies), serving the same handler as {@link JettyFront}.
 */
final class SidecarFront implements HttpFront {
  private final WebServer server;

  private SidecarFront(WebServer server) {
    this.server = server;
  }

  static SidecarFront start(InetSocketAddress address, FrontService service) throws IOException {
    return new SidecarFront(
        WebServer.start(
            "front",
            address,
            service.maxBodyBytes(),
            false,
            capped(new JettyFront.Front(service), service.maxBodyBytes()),
            (status, reason) ->
                ("{\"error\":{\"class\":\"HttpError\",\"desc\":\"" + status + "\"}}")
                    .getBytes(StandardCharsets.UTF_8)));
  }

  /**
   * The handler behind Jetty's own body cap: WebServer caps bodies at its drain bound only, and the
   * sidecar's handler (JsonExchange) refuses a body past the cap itself and drains it; this minimal
   * handler does neither, so Jetty's cap answers its 413, as in {@link JettyFront}.
   */
  private static Handler capped(Handler handler, int maxBodyBytes) {
    var cap = new SizeLimitHandler(maxBodyBytes, -1);
    cap.setHandler(handler);
    return cap;
  }

  @Override
  public void close() {
    server.close();
  }
}
