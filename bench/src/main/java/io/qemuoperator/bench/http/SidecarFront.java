package io.qemuoperator.bench.http;

import io.qemuoperator.sidecar.web.WebServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

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
            new JettyFront.Front(service),
            (status, reason) ->
                ("{\"error\":{\"class\":\"HttpError\",\"desc\":\"" + status + "\"}}")
                    .getBytes(StandardCharsets.UTF_8)));
  }

  @Override
  public void close() {
    server.close();
  }
}
