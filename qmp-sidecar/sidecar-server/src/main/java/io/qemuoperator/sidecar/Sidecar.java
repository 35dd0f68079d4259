package io.qemuoperator.sidecar;

import io.qemuoperator.qapi.QapiCommand;
import io.qemuoperator.qapi.QapiSchema;
import io.qemuoperator.qmp.QmpClient;
import io.qemuoperator.qmp.QmpClientOptions;
import io.qemuoperator.sidecar.agent.GuestAgentMonitor;
import io.qemuoperator.sidecar.api.SidecarJson;
import io.qemuoperator.sidecar.console.ConsoleLog;
import io.qemuoperator.sidecar.console.SerialConsole;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running sidecar: the QMP client, the dialect probe, the command gateway, the state reader,
 * metrics, the serial console and the HTTP server, wired together. Each start has its own instance
 * id, so a caller of {@code /v1/events} knows when sequence numbers started over.
 */
public final class Sidecar implements AutoCloseable {
  /** How often the console log's size is checked (see {@link ConsoleLog#keepBounded()}). */
  static final Duration CONSOLE_LOG_CHECK = Duration.ofSeconds(1);

  private static final Logger log = LoggerFactory.getLogger(Sidecar.class);

  private final QmpClient client;
  private final SidecarServer server;
  private final ScheduledExecutorService timer;
  private final String instance;
  private final Optional<GuestAgentMonitor> guestAgent;

  private Sidecar(
      QmpClient client,
      SidecarServer server,
      ScheduledExecutorService timer,
      String instance,
      Optional<GuestAgentMonitor> guestAgent) {
    this.client = client;
    this.server = server;
    this.timer = timer;
    this.instance = instance;
    this.guestAgent = guestAgent;
  }

  /**
   * The event the sidecar adds to {@code /v1/events} when the guest agent starts or stops
   * answering, QEMU's socket of it comes or goes, or what the agent tells of the guest changes:
   * {@code {"answering": BOOL, "connected": BOOL}}. Not one of QEMU's events; it lets a follower of
   * the stream read {@code /v1/state} again at once.
   */
  public static final String GUEST_AGENT_EVENT = "GUEST_AGENT";

  public static Sidecar start(SidecarConfig config) throws IOException {
    BearerToken token = BearerToken.fromFile(config.tokenFile());
    QapiSchema schema = QapiSchema.bundled();
    String instance = UUID.randomUUID().toString();
    QmpClient client = QmpClient.create(QmpClientOptions.defaults(config.qmpSocket()));
    // console keep-alives, write deadlines, the console log's bound, QMP probes, VM figures
    ScheduledExecutorService timer =
        Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("sidecar-timer").factory());
    Optional<GuestAgentMonitor> monitor = Optional.empty();
    try {
      var metrics = new SidecarMetrics();
      metrics.watch(client);
      var probe =
          new DialectProbe(client, schema.commands().stream().map(QapiCommand::name).toList());
      client.addSessionListener(probe);
      var responsiveness = new QemuResponsiveness(client);
      client.addSessionListener(responsiveness);
      metrics.watch(responsiveness);
      timer.scheduleWithFixedDelay(
          responsiveness::probe,
          QemuResponsiveness.PROBE_INTERVAL.toMillis(),
          QemuResponsiveness.PROBE_INTERVAL.toMillis(),
          TimeUnit.MILLISECONDS);
      var figures = new VmFigures(client, probe::dialect, metrics, timer);
      timer.scheduleWithFixedDelay(
          figures::refresh, 0, VmFigures.TICK.toMillis(), TimeUnit.MILLISECONDS);
      var qmp = new TimedQmp(client, metrics);
      var gateway =
          new CommandGateway(
              schema, new CommandPolicy(config.allowedGuardedCommands()), probe::dialect, qmp);
      var json = SidecarJson.mapper();
      Optional<GuestAgentMonitor> agent =
          config
              .guestAgentSocket()
              .map(
                  socket ->
                      GuestAgentMonitor.start(
                          socket,
                          json,
                          GuestAgentMonitor.Timing.DEFAULT,
                          Clock.systemUTC(),
                          heard ->
                              client.publishOwnEvent(
                                  GUEST_AGENT_EVENT,
                                  json.createObjectNode()
                                      .put("answering", heard.answering())
                                      .put("connected", heard.connected()))));
      monitor = agent;
      var state =
          new StateReader(
              gateway,
              qmp,
              probe::dialect,
              instance,
              json,
              () -> agent.map(GuestAgentMonitor::state).orElse(null));
      Optional<ConsoleLog> consoleLog =
          config.consoleLog().map(path -> new ConsoleLog(path, config.consoleLogMaxBytes()));
      consoleLog.ifPresent(
          kept ->
              timer.scheduleWithFixedDelay(
                  () -> keepBounded(kept), 0, CONSOLE_LOG_CHECK.toMillis(), TimeUnit.MILLISECONDS));
      var console =
          new ConsoleApi(config.consoleSocket().map(SerialConsole::new), consoleLog, timer);
      var server =
          new SidecarServer(
              config,
              token,
              client,
              probe::dialect,
              responsiveness,
              gateway,
              state,
              metrics,
              console,
              new MigrationApi(
                  new LiveMigration(
                      qmp::execute, probe::dialect, new MigrationTlsFiles(config.qmpSocket())),
                  config.maxBodyBytes()),
              instance,
              json);
      server.start();
      client.connect();
      return new Sidecar(client, server, timer, instance, agent);
    } catch (IOException | RuntimeException e) {
      monitor.ifPresent(GuestAgentMonitor::close);
      client.close();
      timer.shutdownNow();
      throw e;
    }
  }

  private static void keepBounded(ConsoleLog kept) {
    try {
      if (kept.keepBounded()) {
        log.info("console log {} rotated to {}.1", kept.path(), kept.path().getFileName());
      }
    } catch (IOException | RuntimeException e) {
      log.warn("cannot keep the console log {} bounded: {}", kept.path(), e.toString());
    }
  }

  public InetSocketAddress address() {
    return server.address();
  }

  public String instance() {
    return instance;
  }

  @Override
  public void close() {
    server.close();
    guestAgent.ifPresent(GuestAgentMonitor::close);
    client.close();
    timer.shutdownNow();
  }
}
