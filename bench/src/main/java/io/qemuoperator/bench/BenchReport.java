package io.qemuoperator.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

/**
 * Writes a {@link BenchResult} as JSON. Each figure is {@code {"value", "unit"}}; a latency summary
 * carries one {@code unit} for all its percentiles; a target is {@code {"max", "unit", "met"}}.
 */
final class BenchReport {
  private static final ObjectMapper JSON =
      JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

  private BenchReport() {}

  static void write(BenchResult r, Path file) throws IOException {
    ObjectNode root = JSON.createObjectNode();
    root.put("benchmark", "qmp-path");
    root.put("finishedAt", Instant.now().toString());

    ObjectNode machine = root.putObject("machine");
    machine.set("nproc", figure(r.machine().cpus(), "cpus"));
    machine.put("cpuModel", r.machine().cpuModel());
    machine.put("jdk", r.machine().jdk());
    machine.put("qemu", r.machine().qemuVersion());
    machine.put("loadAverageStart", r.loadAverageStart());
    machine.put("loadAverageEnd", r.loadAverageEnd());
    machine.put("loadAverageFields", "1 min, 5 min, 15 min");

    BenchSettings s = r.settings();
    ObjectNode setup = root.putObject("setup");
    setup.put("sidecarJvmFlags", "qmp-sidecar/bin/qmp-sidecar defaults");
    setup.set("sidecarStarts", figure(s.starts(), "starts"));
    setup.set("idleBeforeRss", figure(s.idleSeconds(), "s"));
    setup.set("queryStatusWarmup", figure(s.warmup(), "calls per path"));
    setup.set("queryStatusCalls", figure(s.calls(), "calls per path"));
    setup.set("stateWarmup", figure(s.stateWarmup(), "calls per path"));
    setup.set("stateCalls", figure(s.stateCalls(), "calls per path"));
    setup.set("rounds", figure(s.rounds(), "alternating rounds of direct then sidecar"));

    ObjectNode start = root.putObject("startToReady");
    start.put("measured", "process spawn to first GET /readyz 200, polled every 5 ms");
    var runs = start.putArray("runs");
    r.startToReadyMs().forEach(ms -> runs.add(figure(ms, "ms")));
    start.set("first", figure(r.firstStartMs(), "ms"));
    start.set("medianOfRest", figure(r.restStartMedianMs(), "ms"));
    start.put("classDataArchiveWrittenByFirst", r.classDataArchiveWritten());
    start.set(
        "target",
        target(
            BenchResult.TARGET_START_TO_READY_MS,
            "ms",
            r.restStartMedianMs() <= BenchResult.TARGET_START_TO_READY_MS));

    ObjectNode status = root.putObject("queryStatus");
    status.set("direct", stats(r.queryStatusDirect()));
    status.set("qmpClientDirect", stats(r.queryStatusQmpClient()));
    status.set("sidecar", stats(r.queryStatusSidecar()));
    status.set("sidecarLeanClient", stats(r.queryStatusSidecarLean()));
    status.set("leanAddedP50", figure(r.queryStatusLeanAddedP50Us(), "us"));
    status.set("ratioP50", figure(r.queryStatusRatioP50(), "sidecar/direct"));
    status.set("ratioP99", figure(r.queryStatusRatioP99(), "sidecar/direct"));
    status.set("addedP50", figure(r.queryStatusAddedP50Us(), "us"));
    status.set(
        "target",
        target(
            BenchResult.TARGET_ADDED_P50_US,
            "us added at p50",
            r.queryStatusAddedP50Us() <= BenchResult.TARGET_ADDED_P50_US));

    ObjectNode state = root.putObject("state");
    state.put("directMeasured", "the 9 queries of /v1/state written in one go, 9 replies read");
    state.set("directPipelined", stats(r.stateDirect()));
    state.set("sidecar", stats(r.stateSidecar()));
    state.set("ratioP50", figure(r.stateRatioP50(), "sidecar/direct"));
    state.set("ratioP99", figure(r.stateRatioP99(), "sidecar/direct"));

    ObjectNode rss = root.putObject("rss");
    rss.set("sidecarIdle", figure(BenchResult.mib(r.sidecarIdleRssKib()), "MiB"));
    rss.set("sidecarAfterLoad", figure(BenchResult.mib(r.sidecarLoadedRssKib()), "MiB"));
    rss.set("qemuIdle", figure(BenchResult.mib(r.qemuIdleRssKib()), "MiB"));
    rss.set("qemuAfterLoad", figure(BenchResult.mib(r.qemuLoadedRssKib()), "MiB"));
    rss.set("sidecarHttpRequestsServed", figure(r.sidecarHttpRequests(), "requests"));
    rss.set("sidecarQmpCommandsSent", figure(r.sidecarQmpCommands(), "commands"));
    rss.set(
        "target",
        target(
            BenchResult.TARGET_IDLE_RSS_MIB,
            "MiB idle sidecar RSS",
            BenchResult.mib(r.sidecarIdleRssKib()) <= BenchResult.TARGET_IDLE_RSS_MIB));

    Files.createDirectories(file.toAbsolutePath().getParent());
    JSON.writeValue(file.toFile(), root);
  }

  private static ObjectNode figure(long value, String unit) {
    return JSON.createObjectNode().put("value", value).put("unit", unit);
  }

  private static ObjectNode figure(double value, String unit) {
    return JSON.createObjectNode().put("value", round(value)).put("unit", unit);
  }

  private static ObjectNode target(double max, String unit, boolean met) {
    return JSON.createObjectNode().put("max", max).put("unit", unit).put("met", met);
  }

  private static ObjectNode stats(LatencySample.Stats s) {
    return JSON.createObjectNode()
        .put("path", s.path())
        .put("unit", "us")
        .put("count", s.count())
        .put("p50", round(s.p50()))
        .put("p90", round(s.p90()))
        .put("p99", round(s.p99()))
        .put("max", round(s.max()))
        .put("mean", round(s.mean()));
  }

  private static double round(double value) {
    return Math.round(value * 100) / 100.0;
  }
}
