package io.qemuoperator.sidecar;

import io.qemuoperator.sidecar.api.SidecarPaths;
import io.qemuoperator.sidecar.console.ConsoleLog;
import io.qemuoperator.sidecar.console.ConsoleSession;
import io.qemuoperator.sidecar.console.SerialConsole;
import io.qemuoperator.sidecar.http.WebSocket;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ScheduledExecutorService;

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

  /** Runs on the connection's thread for as long as the client stays attached. */
  void stream(JsonExchange exchange) throws IOException {
    if (console.isEmpty()) {
      exchange.respondError(
          new ApiError(404, "NotFound", "this sidecar serves no serial console (--console)"));
      return;
    }
    Optional<String> refusal = WebSocket.refusal(exchange.raw());
    if (refusal.isPresent()) {
      exchange.respondError(ApiError.upgradeRequired(refusal.get()));
      return;
    }
    Optional<SerialConsole.Attachment> attached;
    try {
      attached = console.get().attach();
    } catch (IOException e) {
      exchange.respondError(
          ApiError.consoleUnavailable(
              "QEMU's serial console at "
                  + console.get().socket()
                  + " does not answer (QEMU not running?)"));
      return;
    }
    if (attached.isEmpty()) {
      exchange.respondError(ApiError.consoleBusy());
      return;
    }
    try (var attachment = attached.get()) {
      WebSocket client = WebSocket.accept(exchange.raw(), timer, WRITE_DEADLINE, CLIENT_SILENCE);
      new ConsoleSession(client, attachment, timer, PING_INTERVAL, WRITE_DEADLINE).run();
    }
  }
}
