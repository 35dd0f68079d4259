package io.qemuoperator.bench;

import java.util.Arrays;

/** Latencies of one path, recorded in nanoseconds and summarised as percentiles in microseconds. */
public final class LatencySample {
  private final String path;
  private long[] nanos = new long[1024];
  private int count;

  public LatencySample(String path) {
    this.path = path;
  }

  public int count() {
    return count;
  }

  public void add(long elapsedNanos) {
    if (count == nanos.length) {
      nanos = Arrays.copyOf(nanos, count * 2);
    }
    nanos[count++] = elapsedNanos;
  }

  /** Percentiles by nearest rank over everything recorded. */
  public Stats stats() {
    if (count == 0) {
      throw new IllegalStateException("no latencies recorded for " + path);
    }
    long[] sorted = Arrays.copyOf(nanos, count);
    Arrays.sort(sorted);
    double sum = 0;
    for (long n : sorted) {
      sum += n;
    }
    return new Stats(
        path,
        count,
        micros(rank(sorted, 0.50)),
        micros(rank(sorted, 0.90)),
        micros(rank(sorted, 0.99)),
        micros(sorted[count - 1]),
        sum / count / 1000.0);
  }

  private static long rank(long[] sorted, double quantile) {
    int index = (int) Math.ceil(quantile * sorted.length) - 1;
    return sorted[Math.max(0, index)];
  }

  private static double micros(long nanos) {
    return nanos / 1000.0;
  }

  /** Figures in microseconds. */
  public record Stats(
      String path, int count, double p50, double p90, double p99, double max, double mean) {}
}
