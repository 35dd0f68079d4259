package io.qemuoperator.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Every figure of one run, and the targets they are shown beside (never asserted). */
record BenchResult(
    MachineFacts machine,
    String loadAverageStart,
    String loadAverageEnd,
    BenchSettings settings,
    List<Duration> startToReady,
    boolean classDataArchiveWritten,
    LatencySample.Stats queryStatusDirect,
    LatencySample.Stats queryStatusQmpClient,
    LatencySample.Stats queryStatusSidecar,
    LatencySample.Stats queryStatusSidecarLean,
    LatencySample.Stats stateDirect,
    LatencySample.Stats stateSidecar,
    long sidecarIdleRssKib,
    long sidecarLoadedRssKib,
    long qemuIdleRssKib,
    long qemuLoadedRssKib,
    long sidecarHttpRequests,
    long sidecarQmpCommands) {

  static final double TARGET_ADDED_P50_US = 150;
  static final double TARGET_IDLE_RSS_MIB = 64;
  static final double TARGET_START_TO_READY_MS = 1500;

  double firstStartMs() {
    return millis(startToReady.getFirst());
  }

  /** Median of the starts after the first (which also writes the class-data archive). */
  double restStartMedianMs() {
    List<Double> rest = new ArrayList<>();
    for (Duration d : startToReady.subList(1, startToReady.size())) {
      rest.add(millis(d));
    }
    Collections.sort(rest);
    int n = rest.size();
    return n % 2 == 1 ? rest.get(n / 2) : (rest.get(n / 2 - 1) + rest.get(n / 2)) / 2;
  }

  List<Double> startToReadyMs() {
    return startToReady.stream().map(BenchResult::millis).toList();
  }

  double queryStatusRatioP50() {
    return queryStatusSidecar.p50() / queryStatusDirect.p50();
  }

  double queryStatusRatioP99() {
    return queryStatusSidecar.p99() / queryStatusDirect.p99();
  }

  double queryStatusAddedP50Us() {
    return queryStatusSidecar.p50() - queryStatusDirect.p50();
  }

  /** What the sidecar itself adds: measured with a lean HTTP client instead of the JDK's. */
  double queryStatusLeanAddedP50Us() {
    return queryStatusSidecarLean.p50() - queryStatusDirect.p50();
  }

  double queryStatusLeanRatioP50() {
    return queryStatusSidecarLean.p50() / queryStatusDirect.p50();
  }

  double stateRatioP50() {
    return stateSidecar.p50() / stateDirect.p50();
  }

  double stateRatioP99() {
    return stateSidecar.p99() / stateDirect.p99();
  }

  static double mib(long kib) {
    return kib / 1024.0;
  }

  private static double millis(Duration d) {
    return d.toNanos() / 1_000_000.0;
  }
}
