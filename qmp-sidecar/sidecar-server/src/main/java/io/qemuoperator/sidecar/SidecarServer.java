package io.qemuoperator.sidecar;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qemuoperator.qmp.QmpClient;
import io.qemuoperator.qmp.QmpEvent;
import io.qemuoperator.qmp.QmpEventBuffer;
import io.qemuoperator.qmp.dialect.QmpDialect;
import io.qemuoperator.sidecar.api.DialectTable;
import io.qemuoperator.sidecar.api.EventPage;
import io.qemuoperator.sidecar.api.ProbeStatus;
import io.qemuoperator.sidecar.api.ReturnBody;
import io.qemuoperator.sidecar.api.SequencedEvent;
import io.qemuoperator.sidecar.api.SidecarPaths;
import io.qemuoperator.sidecar.web.WebServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sidecar's HTTP API on {@link WebServer} (Jetty): a request is handled on a virtual thread; a
 * command is answered once QEMU's reply arrives, by a responder thread. The paths and every
 * answer's shape are the contract's ({@link SidecarPaths}, the records of {@code
 * io.qemuoperator.sidecar.api}).
 *
 * <pre>
 * GET  /healthz                 200 while the process lives
 * GET  /readyz                  200 once QMP is negotiated and this QEMU is probed, else 503;
 *                               503 also while QEMU leaves QMP unanswered (QemuResponsiveness)
 * POST /v1/commands/{name}      a seed command; {"return": …} or {"error": {"class", "desc"}}
 * GET  /v1/state                one consistent snapshot of the operator's queries
 * GET  /v1/events?after=SEQ&amp;wait=SECONDS   QMP events after SEQ (long poll; at most
 *                               16 wait at once, the eldest answered first: LongPolls)
 * GET  /v1/dialect              how this QEMU serves each seed command
 * GET  /v1/console/log?bytes=N  the end of the serial console's log, as text
 * GET  /v1/console              the serial console: a WebSocket, one client at a time
 * GET  /v1/migration            the migration as query-migrate reports it
 * POST /v1/migration/incoming   a target (-incoming defer) listens: capabilities, migrate-incoming
 * POST /v1/migration/outgoing   the source migrates: capabilities, parameters, [stop], migrate
 * POST /v1/migration/cancel     migrate_cancel
 * GET  /metrics                 Prometheus, the VM's figures as last read (VmFigures)
 * </pre>
 *
 * Every {@code /v1} call needs {@code Authorization: Bearer <token>}.
 */
public final class SidecarServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SidecarServer.class);
  private final ObjectMapper json;
  private volatile WebServer http;
  private final SidecarConfig config;
  private final BearerToken token;
  private final QmpClient client;
  private final Supplier<Optional<QmpDialect>> dialect;
  private final QemuResponsiveness responsiveness;
  private final CommandGateway gateway;
  private final StateReader state;
  private final SidecarMetrics metrics;
  private final ConsoleApi console;
  private final MigrationApi migration;
  private final String instance;

  /** Event long polls waiting at once; the operator keeps one per sidecar. */
  static final int MAX_LONG_POLLS = 16;

  private final LongPolls longPolls = new LongPolls(MAX_LONG_POLLS);

  /**
   * Who writes a command's answer: never the QMP reader, whose thread every caller's answers and
   * every event depend on. Jetty's writes do not block, but completing one may run Jetty's next
   * step for the connection on the completing thread.
   */
  private final ExecutorService responders = Executors.newVirtualThreadPerTaskExecutor();

  SidecarServer(
      SidecarConfig config,
      BearerToken token,
      QmpClient client,
      Supplier<Optional<QmpDialect>> dialect,
      QemuResponsiveness responsiveness,
      CommandGateway gateway,
      StateReader state,
      SidecarMetrics metrics,
      ConsoleApi console,
      MigrationApi migration,
      String instance,
      ObjectMapper json) {
    this.console = console;
    this.migration = migration;
    this.json = json;
    this.config = config;
    this.token = token;
    this.client = client;
    this.dialect = dialect;
    this.responsiveness = responsiveness;
    this.gateway = gateway;
    this.state = state;
    this.metrics = metrics;
    this.instance = instance;
  }

  /** Listens on the configured address. */
  void start() throws IOException {
    http =
        WebServer.start(
            "sidecar-http",
            config.listen(),
            config.maxBodyBytes(),
            true,
            new Handler.Abstract() {
              @Override
              public boolean handle(Request request, Response response, Callback callback) {
                SidecarServer.this.handle(new JsonExchange(request, response, callback, json));
                return true;
              }
            },
            (status, reason) -> errorBody(status, reason, config.maxBodyBytes(), json));
  }

  /** The body of an error the HTTP server answers before a handler sees the request. */
  static byte[] errorBody(int status, String reason, int maxBodyBytes, ObjectMapper json) {
    try {
      return json.writeValueAsBytes(ApiError.refusedByHttp(status, reason, maxBodyBytes).body());
    } catch (IOException e) {
      throw new IllegalStateException("an error body did not serialize", e);
    }
  }

  /** The bound address (the real port when the configuration asked for port 0). */
  public InetSocketAddress address() {
    return http.address();
  }

  @Override
  public void close() {
    if (http != null) {
      http.close();
    }
    responders.shutdownNow();
  }

  private void handle(JsonExchange exchange) {
    try {
      route(exchange);
    } catch (IOException e) {
      log.debug("client went away: {}", e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      log.error("unexpected failure serving {} {}", exchange.method(), exchange.path(), e);
    } finally {
      if (!exchange.settled()) {
        try {
          exchange.respondError(ApiError.internal());
        } catch (IOException | RuntimeException e) {
          exchange.abort(e);
        }
      }
    }
  }

  private void route(JsonExchange exchange) throws IOException, InterruptedException {
    String path = exchange.path();
    switch (path) {
      case SidecarPaths.HEALTHZ -> {
        if (requireGet(exchange)) {
          exchange.respond(200, ProbeStatus.alive());
        }
      }
      case SidecarPaths.READYZ -> {
        if (requireGet(exchange)) {
          readiness(exchange);
        }
      }
      case SidecarPaths.METRICS -> {
        if (requireGet(exchange)) {
          exchange.respondText(200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape());
        }
      }
      default -> {
        if (!path.startsWith(SidecarPaths.V1)) {
          exchange.respondError(ApiError.noSuchEndpoint(path));
        } else if (!token.accepts(exchange.header("Authorization").orElse(null))) {
          exchange.respondError(ApiError.unauthorized());
        } else {
          routeV1(exchange, path);
        }
      }
    }
  }

  private void routeV1(JsonExchange exchange, String path)
      throws IOException, InterruptedException {
    if (path.startsWith(SidecarPaths.COMMANDS)) {
      if (!"POST".equals(exchange.method())) {
        exchange.respondError(ApiError.methodNotAllowed(exchange.method(), "POST"));
      } else {
        command(exchange, path.substring(SidecarPaths.COMMANDS.length()));
      }
      return;
    }
    switch (path) {
      case SidecarPaths.STATE -> {
        if (requireGet(exchange)) {
          switch (state.read()) {
            case StateReader.Result.Read read ->
                exchange.respond(200, new ReturnBody<>(read.state()));
            case StateReader.Result.Failed failed -> exchange.respondError(failed.error());
          }
        }
      }
      case SidecarPaths.EVENTS -> {
        if (requireGet(exchange)) {
          events(exchange);
        }
      }
      case SidecarPaths.DIALECT -> {
        if (requireGet(exchange)) {
          dialectTable(exchange);
        }
      }
      case SidecarPaths.CONSOLE_LOG -> {
        if (requireGet(exchange)) {
          console.log(exchange);
        }
      }
      case SidecarPaths.CONSOLE -> {
        if (requireGet(exchange)) {
          console.stream(exchange);
        }
      }
      case SidecarPaths.MIGRATION,
          SidecarPaths.MIGRATION_INCOMING,
          SidecarPaths.MIGRATION_OUTGOING,
          SidecarPaths.MIGRATION_CANCEL ->
          migration.serve(exchange, path);
      default -> exchange.respondError(ApiError.noSuchEndpoint(path));
    }
  }

  /** GET, or HEAD: answered as GET, without the body (the HTTP layer leaves it out). */
  private boolean requireGet(JsonExchange exchange) throws IOException {
    if ("GET".equals(exchange.method()) || "HEAD".equals(exchange.method())) {
      return true;
    }
    exchange.respondError(ApiError.methodNotAllowed(exchange.method(), "GET"));
    return false;
  }

  private void readiness(JsonExchange exchange) throws IOException {
    Optional<QmpDialect> served = dialect.get();
    Optional<Duration> silent = responsiveness.silentFor();
    if (served.isPresent()
        && silent.isPresent()
        && silent.get().compareTo(config.unresponsiveAfter()) >= 0) {
      exchange.respondError(ApiError.unresponsive(silent.get()));
    } else if (served.isPresent()) {
      exchange.respond(200, ProbeStatus.ready(served.get().offer().version()));
    } else {
      exchange.respondError(
          ApiError.notConnected(
              "QMP at " + config.qmpSocket() + " is " + client.state().name().toLowerCase()));
    }
  }

  private void command(JsonExchange exchange, String name)
      throws IOException, InterruptedException {
    byte[] body;
    try {
      body = exchange.body(config.maxBodyBytes());
    } catch (JsonExchange.BodyRefusedException e) {
      exchange.respondError(e.error());
      return;
    }
    JsonNode arguments = null;
    if (body.length > 0) {
      try {
        arguments = json.readTree(body);
      } catch (JacksonException e) {
        exchange.respondError(ApiError.badRequest("the request body " + BodyProblem.of(e)));
        return;
      }
      if (arguments != null && !arguments.isObject() && !arguments.isNull()) {
        exchange.respondError(
            ApiError.invalidArguments(
                "the arguments must be a JSON object, got " + BodyProblem.kind(arguments)));
        return;
      }
    }
    // Answered by a responder thread once QEMU's reply arrives, never by the QMP reader itself:
    // a client that reads nothing must not hold the reader (and with it every caller's QMP).
    exchange.defer();
    gateway
        .run(name, arguments)
        .whenCompleteAsync(
            (result, failure) -> {
              try {
                if (failure != null) {
                  log.error("command {} failed unexpectedly", name, failure);
                  exchange.respondError(ApiError.internal());
                } else {
                  answer(exchange, result);
                }
              } catch (IOException | RuntimeException e) {
                log.debug("answering {} failed: {}", name, e.toString());
                exchange.abort(e);
              }
            },
            responders);
  }

  private void answer(JsonExchange exchange, CommandResult result) throws IOException {
    switch (result) {
      case CommandResult.Done done -> {
        if (!done.sentAs().isEmpty()) {
          exchange.responseHeader(SidecarPaths.SENT_AS, done.sentAs());
        }
        exchange.respond(200, new ReturnBody<>(done.value()));
      }
      case CommandResult.Failed failed -> exchange.respondError(failed.error());
    }
  }

  private void events(JsonExchange exchange) throws IOException, InterruptedException {
    var query = exchange.query();
    long after;
    long wait;
    try {
      after = Long.parseLong(query.getOrDefault(SidecarPaths.AFTER, "0"));
      wait = Long.parseLong(query.getOrDefault(SidecarPaths.WAIT, "0"));
    } catch (NumberFormatException e) {
      exchange.respondError(ApiError.badRequest("'after' and 'wait' must be whole numbers"));
      return;
    }
    if (after < 0 || wait < 0 || wait > SidecarPaths.MAX_WAIT_SECONDS) {
      exchange.respondError(
          ApiError.badRequest(
              "'after' must be >= 0 and 'wait' between 0 and "
                  + SidecarPaths.MAX_WAIT_SECONDS
                  + " seconds"));
      return;
    }
    QmpEventBuffer buffer = client.events();
    QmpEventBuffer.EventPage page = longPolls.await(buffer, after, Duration.ofSeconds(wait));
    exchange.respond(
        200,
        new EventPage(
            instance,
            page.lastSeq(),
            page.gap(),
            buffer.dropped(),
            page.events().stream().map(SidecarServer::sequenced).toList()));
  }

  private static SequencedEvent sequenced(QmpEvent event) {
    return new SequencedEvent(event.seq(), event.name(), event.data(), event.timestamp());
  }

  private void dialectTable(JsonExchange exchange) throws IOException {
    Optional<QmpDialect> served = dialect.get();
    if (served.isEmpty()) {
      exchange.respondError(ApiError.notProbed());
      return;
    }
    var commands = new LinkedHashMap<String, String>();
    served.get().outcomes().forEach((command, outcome) -> commands.put(command, outcome.name()));
    exchange.respond(200, new DialectTable(served.get().offer().version(), commands));
  }
}
