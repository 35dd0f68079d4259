package io.qemuoperator.bench.http;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Locale;

/**
 * The sidecar's HTTP front on one HTTP server: {@code GET /healthz} and {@code POST
 * /v1/commands/query-status} (bearer token, body at most {@link FrontService#maxBodyBytes()}),
 * served from a {@link FrontService}. One implementation per server compared by {@code
 * bench/http-servers.sh}.
 */
public interface HttpFront extends AutoCloseable {
  /**
   * The servers compared; {@link #SIDECAR} is the sidecar's own ({@code WebServer}: Jetty with the
   * sidecar's settings). The hand-written server the sidecar had before issue 18 was compared as
   * {@code ours} until it was removed (bench/README.md keeps its figures).
   */
  enum Server {
    SIDECAR,
    JETTY,
    HELIDON,
    VERTX;

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }

    public static Server of(String label) {
      return valueOf(label.toUpperCase(Locale.ROOT));
    }
  }

  /** Binds and starts the front of {@code server} on {@code address}, serving {@code service}. */
  static HttpFront start(Server server, InetSocketAddress address, FrontService service)
      throws Exception {
    return switch (server) {
      case SIDECAR -> SidecarFront.start(address, service);
      case JETTY -> JettyFront.start(address, service);
      case HELIDON -> HelidonFront.start(address, service);
      case VERTX -> VertxFront.start(address, service);
    };
  }

  @Override
  void close() throws IOException;
}
