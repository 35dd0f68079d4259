package io.qemuoperator.bench.http;

import io.qemuoperator.sidecar.http.HttpListener;
import io.qemuoperator.sidecar.http.ServerExchange;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The sidecar's own HTTP/1.1 server ({@link HttpListener}) as the sidecar configures it today: 64
 * connection slots, backlog 128, the answer written by a responder (virtual) thread with the
 * listener's write deadline. The body cap works as the sidecar's {@code JsonExchange} does:
 * Content-Length checked first, then while reading.
 */
final class OursFront implements HttpFront {
  private static final int MAX_CONNECTIONS = 64; // SidecarServer's

  /**
   * As SidecarServer since issue 18.2: answers are written by a virtual thread, not the QMP reader.
   */
  private static final ExecutorService RESPONDERS = Executors.newVirtualThreadPerTaskExecutor();

  private final HttpListener listener;

  private OursFront(HttpListener listener) {
    this.listener = listener;
  }

  static OursFront start(InetSocketAddress address, FrontService service) throws IOException {
    HttpListener listener =
        HttpListener.bind(address, 128, MAX_CONNECTIONS, exchange -> serve(exchange, service));
    listener.start();
    return new OursFront(listener);
  }

  private static void serve(ServerExchange exchange, FrontService service) {
    boolean deferred = false;
    try {
      switch (exchange.path()) {
        case FrontService.HEALTHZ -> exchange.respond(200, FrontService.JSON, FrontService.ALIVE);
        case FrontService.QUERY_STATUS -> {
          if (!service.authorized(exchange.header("Authorization").orElse(null))) {
            exchange.responseHeader("WWW-Authenticate", "Bearer");
            exchange.respond(401, FrontService.JSON, FrontService.UNAUTHORIZED);
            return;
          }
          byte[] body = body(exchange, service.maxBodyBytes());
          if (body == null) {
            exchange.respond(413, FrontService.JSON, FrontService.TOO_LARGE);
          } else if (!service.acceptableArguments(body)) {
            exchange.respond(400, FrontService.JSON, FrontService.NOT_A_JSON_OBJECT);
          } else {
            deferred = true;
            service
                .queryStatus()
                .thenAcceptAsync(
                    answer -> {
                      try {
                        exchange.respond(FrontService.statusOf(answer), FrontService.JSON, answer);
                      } catch (IOException e) {
                        throw new UncheckedIOException(e);
                      }
                    },
                    RESPONDERS)
                .whenComplete((ok, failure) -> exchange.close());
          }
        }
        default -> exchange.respond(404, FrontService.JSON, FrontService.NOT_FOUND);
      }
    } catch (IOException e) {
      // the client went away; the connection closes
    } finally {
      if (!deferred) {
        exchange.close();
      }
    }
  }

  /** The body, or null past {@code limit} bytes. */
  private static byte[] body(ServerExchange exchange, int limit) throws IOException {
    String length = exchange.header("Content-Length").orElse(null);
    if (length != null) {
      try {
        if (Long.parseLong(length.strip()) > limit) {
          return null;
        }
      } catch (NumberFormatException ignored) {
        // the streaming check below still applies
      }
    }
    try (InputStream in = exchange.body()) {
      var out = new ByteArrayOutputStream();
      byte[] buffer = new byte[8192];
      for (int n = in.read(buffer); n != -1; n = in.read(buffer)) {
        if (out.size() + n > limit) {
          return null;
        }
        out.write(buffer, 0, n);
      }
      return out.toByteArray();
    }
  }

  @Override
  public void close() {
    listener.close();
  }
}
