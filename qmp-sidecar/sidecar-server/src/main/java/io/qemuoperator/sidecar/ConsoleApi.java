package io.qemuoperator.sidecar;

import io.qemuoperator.sidecar.api.SidecarPaths;
import io.qemuoperator.sidecar.console.ConsoleLog;
import io.qemuoperator.sidecar.console.ConsoleSession;
import io.qemuoperator.sidecar.console.SerialConsole;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ScheduledExecutorService;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.websocket.server.ServerWebSocketContainer;

/**
 * The serial console's endpoints: {@code GET /v1/console/log} (the end of the console log, as text)
 * and {@code GET /v1/console} (a WebSocket carrying the raw serial bytes both ways, one client at a
 * time). Both need the bearer token, checked before they are reached.
 */
final class ConsoleApi {
  /** Keep-alive pings; a client that answers nothing for {@link #CLIENT_SILENCE} is dropped. */
  static final Duration PING_INTERVAL = Duration.ofSeconds(20);

  static final Duration CLIENT_SILENCE = Duration.ofSeconds(60);

  /** The longest a write to the client or to QEMU's console may block. */
  static final Duration WRITE_DEADLINE = Duration.ofSeconds(10);

  private final Optional<SerialConsole> console;
  private final Optional<ConsoleLog> log;
  private final ScheduledExecutorService timer;

  ConsoleApi(
      Optional<SerialConsole> console, Optional<ConsoleLog> log, ScheduledExecutorService timer) {
    this.console = console;
    this.log = log;
    this.timer = timer;
  }

  void log(JsonExchange exchange) throws IOException {
    if (log.isEmpty()) {
      exchange.respondError(
          new ApiError(404, "NotFound", "this sidecar keeps no console log (--console-log)"));
      return;
    }
    var query = exchange.query();
    long bytes;
    OptionalLong from;
    try {
      bytes =
          Long.parseLong(
              query.getOrDefault(
                  SidecarPaths.BYTES, Long.toString(SidecarPaths.DEFAULT_CONSOLE_LOG_BYTES)));
      from =
          query.containsKey(SidecarPaths.FROM)
              ? OptionalLong.of(Long.parseLong(query.get(SidecarPaths.FROM)))
              : OptionalLong.empty();
    } catch (NumberFormatException e) {
      exchange.respondError(ApiError.badRequest("'bytes' and 'from' must be whole numbers"));
      return;
    }
    if (bytes < 1 || from.orElse(0) < 0) {
      exchange.respondError(ApiError.badRequest("'bytes' must be >= 1 and 'from' >= 0"));
      return;
    }
    ConsoleLog.Slice slice = log.get().read(from, bytes);
    exchange.responseHeader(SidecarPaths.CONSOLE_LOG_START, Long.toString(slice.start()));
    exchange.responseHeader(SidecarPaths.CONSOLE_LOG_END, Long.toString(slice.end()));
    exchange.respondBytes(200, "text/plain; charset=utf-8", slice.bytes());
  }

  /**
   * Opens the console's WebSocket (Jetty's handshake), or answers why not: 426 to a request that is
   * not a WebSocket handshake, 409 while another client is attached, 503 when QEMU's console does
   * not answer.
   */
  void stream(JsonExchange exchange) throws IOException {
    if (console.isEmpty()) {
      exchange.respondError(
          new ApiError(404, "NotFound", "this sidecar serves no serial console (--console)"));
      return;
    }
    boolean upgraded =
        exchange.handOver(
            (request, response, callback) ->
                ServerWebSocketContainer.get(request.getContext())
                    .upgrade(
                        (upgradeRequest, upgradeResponse, upgradeCallback) ->
                            session(exchange, upgradeResponse, upgradeCallback),
                        request,
                        response,
                        callback));
    if (!upgraded) {
      exchange.respondError(
          ApiError.upgradeRequired(
              "the console is a WebSocket (RFC 6455): a GET with 'Upgrade: websocket',"
                  + " 'Connection: Upgrade', 'Sec-WebSocket-Version: 13' and a key"));
    }
  }

  /** The session for a WebSocket handshake, or null once the refusal is answered. */
  private ConsoleSession session(JsonExchange exchange, Response response, Callback callback)
      throws IOException {
    Optional<SerialConsole.Attachment> attached;
    try {
      attached = console.orElseThrow().attach();
    } catch (IOException e) {
      exchange.refuse(
          response,
          callback,
          ApiError.consoleUnavailable(
              "QEMU's serial console at "
                  + console.orElseThrow().socket()
                  + " does not answer (QEMU not running?)"));
      return null;
    }
    if (attached.isEmpty()) {
      exchange.refuse(response, callback, ApiError.consoleBusy());
      return null;
    }
    return new ConsoleSession(attached.get(), timer, PING_INTERVAL, WRITE_DEADLINE, CLIENT_SILENCE);
  }
}
