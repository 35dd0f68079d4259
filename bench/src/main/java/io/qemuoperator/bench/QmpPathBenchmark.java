package io.qemuoperator.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.qemuoperator.qmp.QmpClient;
import io.qemuoperator.qmp.QmpClientOptions;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The QMP path benchmark: the same QMP queries to one running QEMU, straight on a QMP monitor
 * socket and through the sidecar's HTTP API, plus the sidecar's start-to-ready time and memory.
 * QEMU is started by {@code bench/qmp-path.sh} with two monitors ({@code qmp.sock} for the sidecar,
 * {@code direct.sock} for the direct path); this program starts and stops the sidecar itself.
 * Figures are printed and written to JSON, never asserted.
 */
public final class QmpPathBenchmark {
  /** The queries behind {@code GET /v1/state}, as QEMU 7.2 names them. */
  static final List<String> STATE_QUERIES =
      List.of(
          "query-name",
          "query-status",
          "query-kvm",
          "query-balloon",
          "query-block",
          "query-blockstats",
          "query-cpus-fast",
          "query-migrate",
          "query-migrate-parameters");

  private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

  private QmpPathBenchmark() {}

  public static void main(String[] args) throws Exception {
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    BenchSettings settings = BenchSettings.parse(args);
    BenchResult result = run(settings);
    BenchReport.write(result, settings.out());
    System.out.print(BenchTable.render(result));
    System.out.println("JSON: " + settings.out());
  }

  // "try": the direct monitor is closed early, inside its try, to free direct.sock for QmpClient
  @SuppressWarnings("try")
  static BenchResult run(BenchSettings s) throws Exception {
    String loadStart = MachineFacts.loadAverage();
    String token = Files.readString(s.tokenFile()).strip();
    Path cacheHome = Files.createDirectories(s.work().resolve("cache"));
    Path archives = cacheHome.resolve("qemu-operator"); // the launcher's, one per build of the jar
    Path log = s.work().resolve("sidecar.log");
    Path pidFile = s.work().resolve("sidecar.pid");
    HttpClient http = SidecarHttp.newClient();

    try (DirectQmp direct = DirectQmp.connect(s.directSocket())) {
      JsonNode version = JsonMapper.builder().build().readTree(direct.execute("query-version"));
      JsonNode qemu = version.path("return").path("qemu");
      MachineFacts machine =
          MachineFacts.read(
              qemu.path("major").asInt()
                  + "."
                  + qemu.path("minor").asInt()
                  + "."
                  + qemu.path("micro").asInt()
                  + " "
                  + version.path("return").path("package").asText().strip());
      direct.execute("cont");
      if (!direct.execute("query-status").contains("\"running\": true")) {
        throw new IllegalStateException("QEMU is not running after cont");
      }

      progress("sidecar start to ready, %d starts", s.starts());
      List<Duration> starts = new ArrayList<>();
      boolean archiveBefore = hasArchive(archives);
      boolean archiveWritten = false;
      SidecarProcess sidecar = null;
      try {
        for (int i = 0; i < s.starts(); i++) {
          sidecar =
              SidecarProcess.spawn(
                  s.launcher(), s.sidecarSocket(), s.tokenFile(), cacheHome, log, pidFile);
          starts.add(sidecar.awaitReady(http, READY_TIMEOUT));
          if (i < s.starts() - 1) {
            sidecar.close();
            sidecar = null;
          }
          if (i == 0) {
            archiveWritten = !archiveBefore && hasArchive(archives);
          }
        }
        if (!"java".equals(ProcessFootprint.command(sidecar.pid()))) {
          throw new IllegalStateException(
              "pid "
                  + sidecar.pid()
                  + " is not the JVM: "
                  + ProcessFootprint.command(sidecar.pid()));
        }

        progress("idle %d s, then RSS", s.idleSeconds());
        Thread.sleep(Duration.ofSeconds(s.idleSeconds()));
        long sidecarIdle = ProcessFootprint.rssKib(sidecar.pid());
        long qemuIdle = ProcessFootprint.rssKib(s.qemuPid());

        SidecarHttp api = new SidecarHttp(http, sidecar.base(), token);
        TimedCall directStatus = () -> direct.execute("query-status");
        TimedCall sidecarStatus = api::queryStatus;
        TimedCall directState = () -> direct.pipeline(STATE_QUERIES);
        TimedCall sidecarState = api::state;

        progress(
            "query-status: %d warm-up + %d calls per path, %d alternating rounds",
            s.warmup(), s.calls(), s.rounds());
        LatencySample statusDirect = new LatencySample("query-status direct (DirectQmp)");
        LatencySample statusSidecar = new LatencySample("query-status sidecar (JDK HttpClient)");
        LatencySample statusLean = new LatencySample("query-status sidecar (lean HTTP/1.1)");
        LeanHttp lean = new LeanHttp(sidecar.base(), token);
        TimedCall leanStatus = lean::queryStatus;
        directStatus.repeat(s.warmup());
        sidecarStatus.repeat(s.warmup());
        leanStatus.repeat(s.warmup());
        for (int round = 0; round < s.rounds(); round++) {
          directStatus.record(s.calls() / s.rounds(), statusDirect);
          sidecarStatus.record(s.calls() / s.rounds(), statusSidecar);
          leanStatus.record(s.calls() / s.rounds(), statusLean);
        }
        lean.close();

        progress(
            "state: %d warm-up + %d calls per path, %d alternating rounds",
            s.stateWarmup(), s.stateCalls(), s.rounds());
        LatencySample stateDirect = new LatencySample("9 queries direct, pipelined");
        LatencySample stateSidecar = new LatencySample("GET /v1/state sidecar");
        directState.repeat(s.stateWarmup());
        sidecarState.repeat(s.stateWarmup());
        for (int round = 0; round < s.rounds(); round++) {
          directState.record(s.stateCalls() / s.rounds(), stateDirect);
          sidecarState.record(s.stateCalls() / s.rounds(), stateSidecar);
        }

        long sidecarLoaded = ProcessFootprint.rssKib(sidecar.pid());
        long qemuLoaded = ProcessFootprint.rssKib(s.qemuPid());
        long httpRequests = 2L * (s.warmup() + s.calls()) + s.stateWarmup() + s.stateCalls();
        long qmpCommands =
            2L * (s.warmup() + s.calls())
                + (long) STATE_QUERIES.size() * (s.stateWarmup() + s.stateCalls());

        direct.close(); // one client per monitor: free direct.sock for QmpClient
        LatencySample.Stats statusQmpClient = queryStatusThroughQmpClient(s);

        return new BenchResult(
            machine,
            loadStart,
            MachineFacts.loadAverage(),
            s,
            starts,
            archiveWritten,
            statusDirect.stats(),
            statusQmpClient,
            statusSidecar.stats(),
            statusLean.stats(),
            stateDirect.stats(),
            stateSidecar.stats(),
            sidecarIdle,
            sidecarLoaded,
            qemuIdle,
            qemuLoaded,
            httpRequests,
            qmpCommands);
      } finally {
        if (sidecar != null) {
          sidecar.close();
        }
      }
    }
  }

  /** Option (b): our {@link QmpClient} on the direct socket, after {@link DirectQmp} let go. */
  private static LatencySample.Stats queryStatusThroughQmpClient(BenchSettings s) throws Exception {
    progress("query-status through QmpClient on direct.sock: %d + %d calls", s.warmup(), s.calls());
    try (QmpClient client = QmpClient.start(QmpClientOptions.defaults(s.directSocket()))) {
      if (!client.awaitRunning(Duration.ofSeconds(10))) {
        throw new IOException("QmpClient did not connect to " + s.directSocket());
      }
      TimedCall call = () -> client.call("query-status", null);
      LatencySample sample = new LatencySample("query-status direct (QmpClient)");
      call.repeat(s.warmup());
      call.record(s.calls(), sample);
      return sample.stats();
    }
  }

  private static void progress(String format, Object... args) {
    System.err.println("[bench] " + String.format(format, args));
  }

  private static boolean hasArchive(Path folder) throws IOException {
    if (!Files.isDirectory(folder)) {
      return false;
    }
    try (var files = Files.list(folder)) {
      return files.anyMatch(f -> f.getFileName().toString().endsWith(".jsa"));
    }
  }
}
