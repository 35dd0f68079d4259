package io.qemuoperator.bench;

import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.qemuoperator.bench.http.HttpFront;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The sidecar's HTTP front on several HTTP servers, side by side in one run against one real QEMU
 * (started by {@code bench/http-servers.sh}): each {@link HttpFront} runs as its own process with
 * the sidecar's JVM flags and serves the same minimal handler. Per server and repeat: start to the
 * first {@code /healthz} 200, RSS idle, query-status latency through it vs directly on a second QMP
 * monitor (alternating rounds), RSS and throughput under concurrent clients, and the attack cases.
 * The servers take turns in a rotating order; each repeat is a fresh process. Figures are printed
 * and written to JSON, never asserted.
 */
public final class HttpServersBenchmark {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  /** One server's figures in one repeat. */
  record Measurement(
      String server,
      int repeat,
      double startMs,
      long rssIdleKib,
      LatencySample.Stats direct,
      LatencySample.Stats front,
      double addedP50Us,
      double addedP99Us,
      long rssLoadedKib,
      int loadClients,
      double loadRequestsPerSecond,
      List<AttackCases.Outcome> attacks) {}

  private HttpServersBenchmark() {}

  public static void main(String[] args) throws Exception {
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    Map<String, String> flags = flags(args);
    Path work = Path.of(flags.get("work"));
    Path out = Path.of(flags.getOrDefault("out", "bench/target/bench-http-servers.json"));
    List<HttpFront.Server> servers =
        Arrays.stream(flags.getOrDefault("servers", "sidecar,jetty,helidon,vertx").split(","))
            .map(HttpFront.Server::of)
            .toList();
    int repeats = Integer.parseInt(flags.getOrDefault("repeats", "3"));
    int warmup = Integer.parseInt(flags.getOrDefault("warmup", "500"));
    int calls = Integer.parseInt(flags.getOrDefault("calls", "5000"));
    int rounds = Integer.parseInt(flags.getOrDefault("rounds", "10"));
    int idleSeconds = Integer.parseInt(flags.getOrDefault("idle-seconds", "3"));
    int loadClients = Integer.parseInt(flags.getOrDefault("load-clients", "16"));
    int loadSeconds = Integer.parseInt(flags.getOrDefault("load-seconds", "3"));
    int maxBody = Integer.parseInt(flags.getOrDefault("max-body-bytes", "1048576"));
    Path qmpSocket = work.resolve("qmp.sock");
    Path tokenFile = work.resolve("token");
    String token = Files.readString(tokenFile).strip();

    String loadStart = MachineFacts.loadAverage();
    List<Measurement> measurements = new ArrayList<>();
    MachineFacts machine;
    try (DirectQmp direct = DirectQmp.connect(work.resolve("direct.sock"))) {
      direct.execute("cont");
      var qemu =
          JsonMapper.builder()
              .build()
              .readTree(direct.execute("query-version"))
              .path("return")
              .path("qemu");
      machine =
          MachineFacts.read(
              qemu.path("major").asInt()
                  + "."
                  + qemu.path("minor").asInt()
                  + "."
                  + qemu.path("micro").asInt());

      progress("first start of each server (writes its class-data archive; not measured)");
      for (HttpFront.Server server : servers) {
        try (FrontProcess front = FrontProcess.spawn(server, qmpSocket, tokenFile, maxBody, work)) {
          front.awaitHealthy(START_TIMEOUT);
        }
      }
      for (int repeat = 1; repeat <= repeats; repeat++) {
        for (int i = 0; i < servers.size(); i++) {
          HttpFront.Server server = servers.get((i + repeat - 1) % servers.size());
          progress("repeat %d/%d: %s", repeat, repeats, server.label());
          try (FrontProcess front =
              FrontProcess.spawn(server, qmpSocket, tokenFile, maxBody, work)) {
            double startMs = front.awaitHealthy(START_TIMEOUT).toNanos() / 1e6;
            Thread.sleep(Duration.ofSeconds(idleSeconds));
            long rssIdle = ProcessFootprint.rssKib(front.pid());

            URI base = URI.create("http://127.0.0.1:" + front.address().getPort());
            LatencySample directSample = new LatencySample("query-status direct");
            LatencySample frontSample = new LatencySample("query-status " + server.label());
            try (LeanHttp lean = new LeanHttp(base, token)) {
              TimedCall directCall = () -> direct.execute("query-status");
              TimedCall frontCall = lean::queryStatus;
              directCall.repeat(warmup);
              frontCall.repeat(warmup);
              for (int round = 0; round < rounds; round++) {
                directCall.record(calls / rounds, directSample);
                frontCall.record(calls / rounds, frontSample);
              }
            }
            LatencySample.Stats d = directSample.stats();
            LatencySample.Stats f = frontSample.stats();

            long[] rssLoaded = {0};
            double perSecond = load(base, token, loadClients, loadSeconds, front.pid(), rssLoaded);

            List<AttackCases.Outcome> attacks = new AttackCases(front.address(), token).runAll();
            measurements.add(
                new Measurement(
                    server.label(),
                    repeat,
                    startMs,
                    rssIdle,
                    d,
                    f,
                    f.p50() - d.p50(),
                    f.p99() - d.p99(),
                    rssLoaded[0],
                    loadClients,
                    perSecond,
                    attacks));
          }
        }
      }
    }
    String loadEnd = MachineFacts.loadAverage();
    var report = new LinkedHashMap<String, Object>();
    report.put("benchmark", "http-servers");
    report.put("machine", machine);
    report.put("loadAverageStart", loadStart);
    report.put("loadAverageEnd", loadEnd);
    report.put("calls", calls);
    report.put("warmup", warmup);
    report.put("maxBodyBytes", maxBody);
    report.put("measurements", measurements);
    Files.createDirectories(out.toAbsolutePath().getParent());
    JsonMapper.builder()
        .enable(SerializationFeature.INDENT_OUTPUT)
        .build()
        .writeValue(out.toFile(), report);
    System.out.print(
        HttpServersTable.render(
            machine, loadStart, loadEnd, servers, measurements, calls, loadClients));
    System.out.println("JSON: " + out);
  }

  /**
   * {@code clients} keep-alive connections calling query-status back to back for {@code seconds};
   * the requests per second, and the highest RSS seen (sampled every 100 ms) into {@code rssMax}.
   */
  private static double load(
      URI base, String token, int clients, int seconds, long pid, long[] rssMax) throws Exception {
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicLong done = new AtomicLong();
    List<Thread> threads = new ArrayList<>();
    List<Exception> failures = new ArrayList<>();
    for (int i = 0; i < clients; i++) {
      threads.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    try (LeanHttp lean = new LeanHttp(base, token)) {
                      while (running.get()) {
                        lean.queryStatus();
                        done.incrementAndGet();
                      }
                    } catch (IOException e) {
                      synchronized (failures) {
                        failures.add(e);
                      }
                    }
                  }));
    }
    long started = System.nanoTime();
    long deadline = started + Duration.ofSeconds(seconds).toNanos();
    while (System.nanoTime() < deadline) {
      rssMax[0] = Math.max(rssMax[0], ProcessFootprint.rssKib(pid));
      Thread.sleep(100);
    }
    running.set(false);
    for (Thread thread : threads) {
      thread.join();
    }
    double elapsed = (System.nanoTime() - started) / 1e9;
    rssMax[0] = Math.max(rssMax[0], ProcessFootprint.rssKib(pid));
    if (!failures.isEmpty()) {
      progress("  %d load clients failed, first: %s", failures.size(), failures.get(0));
    }
    return done.get() / elapsed;
  }

  private static Map<String, String> flags(String[] args) {
    Map<String, String> flags = new LinkedHashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      flags.put(args[i].replaceFirst("^--", ""), args[i + 1]);
    }
    if (!flags.containsKey("work")) {
      throw new IllegalArgumentException(
          "--work DIR (with qmp.sock, direct.sock, token) is needed");
    }
    return flags;
  }

  static void progress(String format, Object... args) {
    System.err.println("[bench] " + String.format(format, args));
  }
}
