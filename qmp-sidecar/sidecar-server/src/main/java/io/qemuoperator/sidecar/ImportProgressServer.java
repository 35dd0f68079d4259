package io.qemuoperator.sidecar;

import io.qemuoperator.sidecar.api.ImportProgress;
import io.qemuoperator.sidecar.api.SidecarJson;
import io.qemuoperator.sidecar.api.SidecarPaths;
import io.qemuoperator.sidecar.web.WebServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.function.Supplier;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The disk importer's HTTP API while the VM pod's init container runs, on the sidecar's address and
 * port and behind the same bearer token ({@link BearerToken}, compared in constant time): {@code
 * GET /v1/import} answers {@link ImportProgress}; every other path 404. The sidecar's {@link
 * WebServer} and {@link JsonExchange}, so both speak the same HTTP.
 */
public final class ImportProgressServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ImportProgressServer.class);

  /** No request to the importer has a body. */
  private static final int MAX_BODY_BYTES = 0;

  private final WebServer http;
  private final BearerToken token;
  private final Supplier<ImportProgress> progress;
  private final com.fasterxml.jackson.databind.ObjectMapper json = SidecarJson.mapper();

  private ImportProgressServer(
      InetSocketAddress address, BearerToken token, Supplier<ImportProgress> progress)
      throws IOException {
    this.token = token;
    this.progress = progress;
    this.http =
        WebServer.start(
            "import-http",
            address,
            MAX_BODY_BYTES,
            false,
            new Handler.Abstract() {
              @Override
              public boolean handle(Request request, Response response, Callback callback) {
                ImportProgressServer.this.handle(
                    new JsonExchange(request, response, callback, json));
                return true;
              }
            },
            (status, reason) -> SidecarServer.errorBody(status, reason, MAX_BODY_BYTES, json));
  }

  /** Listens on {@code address}, answering what {@code progress} says at each request. */
  public static ImportProgressServer start(
      InetSocketAddress address, BearerToken token, Supplier<ImportProgress> progress)
      throws IOException {
    return new ImportProgressServer(address, token, progress);
  }

  /** The bound address (the real port when port 0 was asked for). */
  public InetSocketAddress address() {
    return http.address();
  }

  @Override
  public void close() {
    http.close();
  }

  private void handle(JsonExchange exchange) {
    try {
      if (!exchange.path().equals(SidecarPaths.IMPORT)) {
        exchange.respondError(
            new ApiError(404, "NotFound", "no such endpoint while importing: " + exchange.path()));
      } else if (!token.accepts(exchange.header("Authorization").orElse(null))) {
        exchange.respondError(ApiError.unauthorized());
      } else if (!"GET".equals(exchange.method())) {
        exchange.respondError(ApiError.methodNotAllowed(exchange.method(), "GET"));
      } else {
        exchange.respond(200, progress.get());
      }
    } catch (IOException | RuntimeException e) {
      log.debug("answering {} failed: {}", exchange.path(), e.toString());
      exchange.abort(e);
    }
  }
}
