package io.qemuoperator.sidecar;

import io.qemuoperator.sidecar.api.ImportProgress;
import io.qemuoperator.sidecar.api.SidecarJson;
import io.qemuoperator.sidecar.api.SidecarPaths;
import io.qemuoperator.sidecar.http.HttpListener;
import io.qemuoperator.sidecar.http.ServerExchange;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The disk importer's HTTP API while the VM pod's init container runs, on the sidecar's address and
 * port and behind the same bearer token ({@link BearerToken}, compared in constant time): {@code
 * GET /v1/import} answers {@link ImportProgress}; every other path 404. The sidecar's {@link
 * HttpListener} and {@link JsonExchange}, so both speak the same HTTP.
 */
public final class ImportProgressServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ImportProgressServer.class);
  private static final int MAX_CONNECTIONS = 8;

  private final HttpListener http;
  private final BearerToken token;
  private final Supplier<ImportProgress> progress;
  private final com.fasterxml.jackson.databind.ObjectMapper json = SidecarJson.mapper();

  private ImportProgressServer(
      InetSocketAddress address, BearerToken token, Supplier<ImportProgress> progress)
      throws IOException {
    this.token = token;
    this.progress = progress;
    this.http = HttpListener.bind(address, 16, MAX_CONNECTIONS, this::handle);
  }

  /** Listens on {@code address}, answering what {@code progress} says at each request. */
  public static ImportProgressServer start(
      InetSocketAddress address, BearerToken token, Supplier<ImportProgress> progress)
      throws IOException {
    var server = new ImportProgressServer(address, token, progress);
    server.http.start();
    return server;
  }

  /** The bound address (the real port when port 0 was asked for). */
  public InetSocketAddress address() {
    return http.address();
  }

  @Override
  public void close() {
    http.close();
  }

  private void handle(ServerExchange raw) {
    var exchange = new JsonExchange(raw, json);
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
    } catch (IOException e) {
      log.debug("client went away: {}", e.toString());
    } finally {
      raw.close();
    }
  }
}
