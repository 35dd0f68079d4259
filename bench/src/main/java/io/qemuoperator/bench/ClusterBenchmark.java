package io.qemuoperator.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.local.LocalStorage;
import io.qemuoperator.local.NodeAgent;
import io.qemuoperator.local.SmallVm;
import io.qemuoperator.local.VmTable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Convergence and latency with REAL VMs, on a real API server (kube-apiserver v1.20.2 on etcd,
 * kube-controller-manager) and on Fabric8's mock API server for comparison ({@code --api-server
 * real|mock|both}, default both): the operator as its own process, the node agent running each VM
 * pod as real QEMU and the real sidecar, the local cluster's storage binding each disk's claim.
 * Measures on each (1) N VMs from apply to all Ready, the operator's CPU, heap, RSS and API writes
 * per VM by verb and resource, then writes per VM per minute while idle; (2) a spec change ({@code
 * paused} toggled with one merge patch) until QEMU is in the declared run state, read over an
 * independent QMP monitor, with the time of each stage on the way (the operator's {@link
 * io.qemuoperator.operator.reconcile.StageTrace}); (3) an out-of-band {@code stop} until the
 * operator has QEMU running again, following QMP events vs with the periodic resync only; (4)
 * QEMU's RSS.
 */
public final class ClusterBenchmark {
  private static final String NS = "bench";
  private static final ObjectMapper JSON = new ObjectMapper();

  private ClusterBenchmark() {}

  record Options(
      int vms,
      int toggles,
      int spacedToggles,
      int outOfBand,
      int resyncOnly,
      int idleSeconds,
      Path operatorJar,
      Path out) {}

  public static void main(String[] args) throws Exception {
    var options =
        new Options(
            intArg(args, "--vms", 20),
            intArg(args, "--toggles", 100),
            intArg(args, "--spaced-toggles", 30),
            intArg(args, "--out-of-band", 30),
            intArg(args, "--resync-only", 8),
            intArg(args, "--idle-seconds", 60),
            Path.of(stringArg(args, "--operator-jar", "operator/target/qemu-operator.jar")),
            Path.of(stringArg(args, "--out", "bench/target/bench-cluster.json")));
    ObjectNode report = JSON.createObjectNode();
    report.put("machine", MachineFacts.read("").summary());
    report.put("loadAverageStart", MachineFacts.loadAverage());
    var runs = new LinkedHashMap<String, ObjectNode>();
    for (String name : BenchApiServer.chosen(stringArg(args, "--api-server", "both"))) {
      Path dir = Files.createTempDirectory("qo-bench-cl-" + name + "-");
      progress("API server %s; files in %s", name, dir);
      try (var server = BenchApiServer.start(name, dir)) {
        runs.put(name, run(server, dir, options));
      }
    }
    report.put("loadAverageEnd", MachineFacts.loadAverage());
    runs.forEach(report::set);
    Files.createDirectories(options.out().getParent());
    JSON.writerWithDefaultPrettyPrinter().writeValue(options.out().toFile(), report);
    System.out.println(table(runs, options));
    System.out.printf(
        "machine %s; load average %s at start, %s at end%nJSON: %s%n",
        report.path("machine").asText(),
        report.path("loadAverageStart").asText(),
        report.path("loadAverageEnd").asText(),
        options.out());
  }

  // "try": the storage runs in the background for as long as the try block; nothing calls it
  @SuppressWarnings("try")
  private static ObjectNode run(BenchApiServer server, Path dir, Options options) throws Exception {
    ObjectNode report = JSON.createObjectNode();
    report.put("apiServer", server.description());
    KubernetesClient client = server.client();
    server.createNamespace(NS);
    try (var storage =
            LocalStorage.start(
                client, dir.resolve("volumes"), Set.of(), server.needsVolumeBinder());
        var agent = new NodeAgent(client, dir.resolve("pods"));
        var cluster = new BenchCluster(server, dir, options.operatorJar());
        var statusWrites = new StatusWrites(client, NS)) {
      long pid = cluster.startOperator(Map.of(), true);
      int vms = options.vms();

      // 1. N real VMs from apply to all Ready
      progress("%s: creating %d real VMs", server.name(), vms);
      ApiRequests before = cluster.operatorRequests();
      long start = System.nanoTime();
      for (int i = 0; i < vms; i++) {
        client.resource(vm("vm-" + i)).create();
      }
      while (ready(client) < vms) {
        Thread.sleep(100);
        if (seconds(start) > 600 || !cluster.operatorAlive()) {
          throw new IllegalStateException(
              ready(client) + "/" + vms + " Ready; see " + cluster.log());
        }
      }
      double allReady = seconds(start);
      Thread.sleep(1000); // the last writes of the last passes reach the audit log
      ApiRequests toReady = cluster.operatorRequests().since(before);
      figure(report, "realVmsAllReady", allReady, "s");
      figure(report, "realVmsOperatorCpu", ProcessFootprint.cpuSeconds(pid), "s");
      figure(report, "realVmsOperatorHeapUsed", cluster.operatorHeapUsedMib(), "MiB");
      figure(report, "realVmsOperatorRss", ProcessFootprint.rssKib(pid) / 1024.0, "MiB");
      figure(report, "realVmsApiWritesPerVm", toReady.writes() / (double) vms, "writes");
      report.set("realVmsApiWritesPerVmByKind", perVm(toReady.writesByKind(), vms));
      report.set("realVmsStatusWritesPerVmByPhase", perVm(statusWrites.byPhase(), vms));
      double qemuRss = 0;
      for (int i = 0; i < vms; i++) {
        qemuRss += ProcessFootprint.rssKib(agent.qemu(NS, "vm-" + i + "-qemu").pid()) / 1024.0;
      }
      figure(report, "qemuRssPerVm", qemuRss / vms, "MiB");
      progress(
          "%s: %d VMs Ready after %.1f s, %.1f writes per VM; idle %d s",
          server.name(), vms, allReady, toReady.writes() / (double) vms, options.idleSeconds());

      ApiRequests idleBefore = cluster.operatorRequests();
      Thread.sleep(Duration.ofSeconds(options.idleSeconds()));
      ApiRequests idle = cluster.operatorRequests().since(idleBefore);
      double perVmMinute = vms * options.idleSeconds() / 60.0;
      figure(report, "idleStatusWritesPerVmPerMinute", idle.statusWrites() / perVmMinute, "writes");
      figure(report, "idleApiWritesPerVmPerMinute", idle.writes() / perVmMinute, "writes");

      // 2. spec change → QEMU in the declared run state, over an independent monitor: back to
      // back (the next change as soon as QEMU has the last), and one at a time (300 ms apart)
      // (written through a client of their own, as a user's: the benchmark's client also carries
      // the watches of the node agent, the storage and the status counter)
      try (var observer = DirectQmp.connect(agent.observerSocket(NS, "vm-0-qemu"));
          var user = new KubernetesClientBuilder().withConfig(client.getConfiguration()).build()) {
        report.set("specChangeToQemu", toggles(user, observer, cluster, options.toggles(), 0));
        report.set(
            "specChangeToQemuSpaced",
            toggles(user, observer, cluster, options.spacedToggles(), 300));
        progress(
            "%s: spec → QEMU: back to back p50 %.1f ms, p99 %.1f ms; 300 ms apart p50 %.1f ms",
            server.name(),
            report.path("specChangeToQemu").path("p50Us").asDouble() / 1000,
            report.path("specChangeToQemu").path("p99Us").asDouble() / 1000,
            report.path("specChangeToQemuSpaced").path("p50Us").asDouble() / 1000);

        // 3. out-of-band stop → running again, event-driven
        var events =
            outOfBand(observer, options.outOfBand(), "out-of-band stop → corrected (QMP events)");
        report.set("outOfBandEventDriven", stats(events.stats()));
        progress(
            "%s: out-of-band, events: p50 %.1f ms", server.name(), events.stats().p50() / 1000);
      }
      // ... and with the periodic resync only (10 s)
      if (options.resyncOnly() > 0) {
        cluster.stopOperator();
        cluster.startOperator(Map.of("QMP_EVENTS", "false", "RESYNC_INTERVAL", "PT10S"), false);
        Thread.sleep(5000); // the new operator has read every VM once
        try (var observer = DirectQmp.connect(agent.observerSocket(NS, "vm-0-qemu"))) {
          var resync =
              outOfBand(
                  observer,
                  options.resyncOnly(),
                  "out-of-band stop → corrected (resync only, 10 s)");
          report.set("outOfBandResyncOnly", stats(resync.stats()));
          report.put(
              "eventDrivenSpeedupP50",
              resync.stats().p50() / report.path("outOfBandEventDriven").path("p50Us").asDouble());
          progress(
              "%s: out-of-band, resync only: p50 %.0f ms",
              server.name(), resync.stats().p50() / 1000);
        }
      }
    }
    return report;
  }

  /**
   * {@code count} changes of {@code paused} on vm-0, each until QEMU is in the declared run state,
   * {@code gapMs} apart; the latencies and where the time went (stage by stage, from the operator's
   * trace).
   */
  private static ObjectNode toggles(
      KubernetesClient client, DirectQmp observer, BenchCluster cluster, int count, int gapMs)
      throws Exception {
    var toggle = new LatencySample("paused toggled → QEMU run state");
    var changes = new ArrayList<SpecChangeStages.Change>();
    ServerTimes serverBefore = cluster.server().serverTimes();
    boolean paused = false;
    for (int i = 0; i < count; i++) {
      Thread.sleep(gapMs);
      paused = !paused;
      long t0 = System.nanoTime();
      long sent = epochMicros();
      long generation = setPaused(client, "vm-0", paused);
      long answered = epochMicros();
      awaitRunState(observer, paused ? "paused" : "running", t0);
      long seen = epochMicros();
      toggle.add(System.nanoTime() - t0);
      changes.add(new SpecChangeStages.Change(generation, sent, answered, seen));
    }
    if (paused) {
      setPaused(client, "vm-0", false);
      awaitRunState(observer, "running", System.nanoTime());
    }
    Thread.sleep(1000); // the operator's last trace lines reach its log
    ObjectNode result = stats(toggle.stats());
    result.put("gapMs", gapMs);
    result.set("stages", stages(new SpecChangeStages(cluster.log(), NS + "/vm-0", changes)));
    ObjectNode server = result.putObject("serverMeansMs");
    cluster
        .server()
        .serverTimes()
        .meansSince(serverBefore)
        .forEach(
            (name, meanAndCount) ->
                server.putObject(name).put("meanMs", meanAndCount[0]).put("n", meanAndCount[1]));
    return result;
  }

  /** The table: a column per API server. */
  private static String table(Map<String, ObjectNode> runs, Options options) {
    var table = new SideBySide(runs);
    table
        .section(options.vms() + " real VMs, apply → all Ready")
        .row("all Ready after", SideBySide.figure("realVmsAllReady", "%.1f s"), "<= 60 s")
        .row("operator CPU", SideBySide.figure("realVmsOperatorCpu", "%.1f s"), "")
        .row("operator heap used", SideBySide.figure("realVmsOperatorHeapUsed", "%.0f MiB"), "")
        .row("operator RSS", SideBySide.figure("realVmsOperatorRss", "%.0f MiB"), "")
        .row("QEMU RSS per VM", SideBySide.figure("qemuRssPerVm", "%.0f MiB"), "")
        .row("API writes per VM", SideBySide.figure("realVmsApiWritesPerVm", "%.2f"), "")
        .breakdown("realVmsApiWritesPerVmByKind", "%.2f", "  ")
        .row("status writes per VM, by the phase written", run -> "", "")
        .breakdown("realVmsStatusWritesPerVmByPhase", "%.2f", "  ")
        .row(
            "idle: status writes per VM per minute",
            SideBySide.figure("idleStatusWritesPerVmPerMinute", "%.3f"),
            "0")
        .row(
            "idle: all writes per VM per minute",
            SideBySide.figure("idleApiWritesPerVmPerMinute", "%.3f"),
            "")
        .section(
            "spec change (paused toggled " + options.toggles() + "x back to back) → QEMU run state")
        .row("p50 / p99", SideBySide.latency("specChangeToQemu"), "p50 <= 100 ms, p99 <= 500 ms");
    stageRows(table, "specChangeToQemu");
    serverRows(table, "specChangeToQemu");
    table
        .section(
            "spec change (paused toggled "
                + options.spacedToggles()
                + "x, 300 ms apart) → QEMU run state")
        .row("p50 / p99", SideBySide.latency("specChangeToQemuSpaced"), "");
    stageRows(table, "specChangeToQemuSpaced");
    serverRows(table, "specChangeToQemuSpaced");
    table
        .section("out-of-band stop → QEMU running again")
        .row(
            "following QMP events, p50 / p99",
            SideBySide.latency("outOfBandEventDriven"),
            "p50 <= 250 ms")
        .row("resync only (10 s), p50 / p99", SideBySide.latency("outOfBandResyncOnly"), "")
        .row(
            "speed-up at p50",
            run ->
                run.has("eventDrivenSpeedupP50")
                    ? String.format(
                        Locale.ROOT, "%.0fx", run.path("eventDrivenSpeedupP50").asDouble())
                    : null,
            ">= 50x");
    return table.render();
  }

  /** The stage breakdown of the toggles at {@code field}: p50 of each, cumulative p50. */
  private static void stageRows(SideBySide table, String field) {
    table.row("stage: p50 of each (cumulative p50 from the write)", run -> "", "");
    for (var stage : SpecChangeStages.STAGES) {
      table.row("  " + stage.label(), run -> stageCell(run, field, stage.label()), "");
    }
    table.row(
        "reconcile passes per change (p50)",
        run -> run.path(field).path("stages").path("passesP50").asText(null),
        "");
  }

  /** The API server's own mean times during the toggles at {@code field} (real server only). */
  private static void serverRows(SideBySide table, String field) {
    table.row("the API server's own mean times meanwhile", run -> "", "");
    for (var series : ServerTimes.SERIES) {
      table.row(
          "  " + series.name(),
          run -> {
            var mean = run.path(field).path("serverMeansMs").path(series.name());
            return mean.isMissingNode()
                ? null
                : String.format(
                    Locale.ROOT,
                    "%.2f ms (n=%d)",
                    mean.path("meanMs").asDouble(),
                    mean.path("n").asLong());
          },
          "");
    }
  }

  private static String stageCell(ObjectNode run, String field, String label) {
    var stage = run.path(field).path("stages").path("stages").path(label);
    if (stage.isMissingNode()) {
      return null;
    }
    return String.format(
        Locale.ROOT,
        "%6.2f (%6.2f) ms",
        stage.path("p50Us").asDouble() / 1000,
        stage.path("cumulativeP50Us").asDouble() / 1000);
  }

  private static ObjectNode stages(SpecChangeStages stages) {
    ObjectNode node = JSON.createObjectNode();
    ObjectNode each = node.putObject("stages");
    for (var stage : SpecChangeStages.STAGES) {
      var stats = stages.stage(stage);
      if (stats != null) {
        ObjectNode row = stats(stats).put("from", stage.from()).put("to", stage.to());
        var cumulative = stages.sinceWrite(stage.to());
        row.put("cumulativeP50Us", cumulative.p50());
        each.set(stage.label(), row);
      }
    }
    node.put("passesP50", stages.passesP50());
    return node;
  }

  /**
   * Sets {@code spec.paused} with one merge patch (one request: Fabric8 reads the object first when
   * it is given a name only, not when given the object); returns the generation it made.
   */
  private static long setPaused(KubernetesClient client, String name, boolean paused) {
    var target = new QemuVM();
    target.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NS).build());
    QemuVM patched =
        client
            .resources(QemuVM.class)
            .resource(target)
            .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"paused\":" + paused + "}}");
    return patched.getMetadata().getGeneration();
  }

  private static LatencySample outOfBand(DirectQmp observer, int samples, String name)
      throws Exception {
    var sample = new LatencySample(name);
    for (int i = 0; i < samples; i++) {
      Thread.sleep(300);
      long t0 = System.nanoTime();
      observer.execute("stop");
      awaitRunState(observer, "running", t0);
      sample.add(System.nanoTime() - t0);
    }
    return sample;
  }

  private static void awaitRunState(DirectQmp observer, String runState, long since)
      throws Exception {
    String marker = "\"status\": \"" + runState + "\"";
    while (!observer.execute("query-status").contains(marker)) {
      if (seconds(since) > 60) {
        throw new IllegalStateException("QEMU not " + runState + " after 60 s");
      }
      Thread.sleep(1);
    }
  }

  private static long ready(KubernetesClient client) {
    return client.resources(QemuVM.class).inNamespace(NS).list().getItems().stream()
        .filter(VmTable::isReady)
        .count();
  }

  private static QemuVM vm(String name) {
    return SmallVm.of(NS, name, spec -> spec.setBalloon(new Quantity("96Mi")));
  }

  static ObjectNode perVm(Map<String, Long> counts, int vms) {
    ObjectNode node = JSON.createObjectNode();
    counts.forEach((key, count) -> node.put(key, count / (double) vms));
    return node;
  }

  static ObjectNode stats(LatencySample.Stats s) {
    return JSON.createObjectNode()
        .put("n", s.count())
        .put("p50Us", s.p50())
        .put("p99Us", s.p99())
        .put("maxUs", s.max());
  }

  static void figure(ObjectNode report, String name, double value, String unit) {
    report.putObject(name).put("value", value).put("unit", unit);
  }

  static long epochMicros() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000;
  }

  private static double seconds(long since) {
    return (System.nanoTime() - since) / 1e9;
  }

  static int intArg(String[] args, String name, int fallback) {
    return Integer.parseInt(stringArg(args, name, Integer.toString(fallback)));
  }

  static String stringArg(String[] args, String name, String fallback) {
    for (int i = 0; i + 1 < args.length; i++) {
      if (args[i].equals(name)) {
        return args[i + 1];
      }
    }
    return fallback;
  }

  static void progress(String format, Object... values) {
    System.err.printf("[bench] " + format + "%n", values);
  }
}
