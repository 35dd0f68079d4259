package io.qemuoperator.bench;

import java.util.Locale;
import java.util.stream.Collectors;

/** A {@link BenchResult} as a plain-text table for the terminal. */
final class BenchTable {
  private BenchTable() {}

  static String render(BenchResult r) {
    StringBuilder out = new StringBuilder();
    MachineFacts m = r.machine();
    line(out, "qmp-path benchmark: QEMU direct vs through the QMP sidecar");
    line(out, "machine   %d cpus, %s", m.cpus(), m.cpuModel());
    line(out, "jdk       %s", m.jdk());
    line(out, "qemu      %s (TCG)", m.qemuVersion());
    line(out, "load avg  start %s | end %s (1/5/15 min)", r.loadAverageStart(), r.loadAverageEnd());
    line(out, "");
    line(out, "%-44s %9s %9s %9s %9s", "latency (µs)", "p50", "p90", "p99", "max");
    row(out, r.queryStatusDirect());
    row(out, r.queryStatusQmpClient());
    row(out, r.queryStatusSidecar());
    line(
        out,
        "  sidecar/direct: p50 x%.2f, p99 x%.2f; added at p50 %.0f µs   [target <= %.0f µs: %s]",
        r.queryStatusRatioP50(),
        r.queryStatusRatioP99(),
        r.queryStatusAddedP50Us(),
        BenchResult.TARGET_ADDED_P50_US,
        verdict(r.queryStatusAddedP50Us() <= BenchResult.TARGET_ADDED_P50_US));
    row(out, r.queryStatusSidecarLean());
    line(
        out,
        "  lean client: sidecar/direct p50 x%.2f; the sidecar itself adds %.0f µs at p50   [target <= %.0f µs: %s]",
        r.queryStatusLeanRatioP50(),
        r.queryStatusLeanAddedP50Us(),
        BenchResult.TARGET_ADDED_P50_US,
        verdict(r.queryStatusLeanAddedP50Us() <= BenchResult.TARGET_ADDED_P50_US));
    row(out, r.stateDirect());
    row(out, r.stateSidecar());
    line(out, "  sidecar/direct: p50 x%.2f, p99 x%.2f", r.stateRatioP50(), r.stateRatioP99());
    line(out, "");
    line(
        out,
        "start to ready (ms)  first %.0f%s, median of next %d %.0f   [target <= %.0f ms: %s]",
        r.firstStartMs(),
        r.classDataArchiveWritten() ? " (wrote CDS archive)" : "",
        r.startToReady().size() - 1,
        r.restStartMedianMs(),
        BenchResult.TARGET_START_TO_READY_MS,
        verdict(r.restStartMedianMs() <= BenchResult.TARGET_START_TO_READY_MS));
    line(
        out,
        "  all runs: %s",
        r.startToReadyMs().stream()
            .map(ms -> String.format(Locale.ROOT, "%.0f", ms))
            .collect(Collectors.joining(", ")));
    double idle = BenchResult.mib(r.sidecarIdleRssKib());
    line(
        out,
        "sidecar RSS (MiB)    idle %.1f, after load %.1f   [target idle <= %.0f MiB: %s]",
        idle,
        BenchResult.mib(r.sidecarLoadedRssKib()),
        BenchResult.TARGET_IDLE_RSS_MIB,
        verdict(idle <= BenchResult.TARGET_IDLE_RSS_MIB));
    line(
        out,
        "  load = %d HTTP requests served, %d QMP commands sent by the sidecar",
        r.sidecarHttpRequests(),
        r.sidecarQmpCommands());
    line(
        out,
        "QEMU RSS (MiB)       idle %.1f, after load %.1f",
        BenchResult.mib(r.qemuIdleRssKib()),
        BenchResult.mib(r.qemuLoadedRssKib()));
    return out.toString();
  }

  private static void row(StringBuilder out, LatencySample.Stats s) {
    line(
        out,
        "%-44s %9.1f %9.1f %9.1f %9.1f",
        s.path() + " (n=" + s.count() + ")",
        s.p50(),
        s.p90(),
        s.p99(),
        s.max());
  }

  private static String verdict(boolean met) {
    return met ? "met" : "MISSED";
  }

  private static void line(StringBuilder out, String format, Object... args) {
    out.append(String.format(Locale.ROOT, format, args)).append('\n');
  }
}
