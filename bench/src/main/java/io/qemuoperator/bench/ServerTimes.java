package io.qemuoperator.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Where a real API server spends its time, from its own Prometheus histograms (sum and count of
 * seconds): kube-apiserver's request durations by verb and resource, its etcd requests, and etcd's
 * WAL fsync and backend commit. Two snapshots give the mean of what happened between them.
 */
public record ServerTimes(Map<String, double[]> sumAndCount) {

  /** A series: its name in the report, the histogram, and labels it must have. */
  record Series(String name, String histogram, List<String> labels) {}

  static final List<Series> SERIES =
      List.of(
          new Series(
              "kube-apiserver: PATCH qemuvms (the spec write)",
              "apiserver_request_duration_seconds",
              List.of("verb=\"PATCH\"", "resource=\"qemuvms\"", "subresource=\"\"")),
          new Series(
              "kube-apiserver: PATCH qemuvms/status",
              "apiserver_request_duration_seconds",
              List.of("verb=\"PATCH\"", "resource=\"qemuvms\"", "subresource=\"status\"")),
          new Series(
              "kube-apiserver: POST or PATCH events",
              "apiserver_request_duration_seconds",
              List.of("resource=\"events\"", "subresource=\"\"", "verb=\"P")),
          new Series(
              "kube-apiserver → etcd: update",
              "etcd_request_duration_seconds",
              List.of("operation=\"update\"")),
          new Series("etcd: WAL fsync", "etcd_disk_wal_fsync_duration_seconds", List.of()),
          new Series(
              "etcd: backend commit", "etcd_disk_backend_commit_duration_seconds", List.of()));

  public static ServerTimes none() {
    return new ServerTimes(Map.of());
  }

  /** Reads the series from the Prometheus texts of kube-apiserver and etcd. */
  static ServerTimes parse(String apiserverMetrics, String etcdMetrics) {
    var result = new LinkedHashMap<String, double[]>();
    for (Series series : SERIES) {
      String text = series.histogram().startsWith("etcd_disk") ? etcdMetrics : apiserverMetrics;
      result.put(
          series.name(), new double[] {sum(text, series, "_sum"), sum(text, series, "_count")});
    }
    return new ServerTimes(result);
  }

  private static double sum(String text, Series series, String suffix) {
    var line =
        Pattern.compile(
            "^" + Pattern.quote(series.histogram() + suffix) + "(\\{[^}]*\\})? ([0-9.eE+-]+)$",
            Pattern.MULTILINE);
    var matcher = line.matcher(text);
    double total = 0;
    while (matcher.find()) {
      String labels = matcher.group(1) == null ? "" : matcher.group(1);
      if (series.labels().stream().allMatch(labels::contains)) {
        total += Double.parseDouble(matcher.group(2));
      }
    }
    return total;
  }

  /** The mean of each series between {@code earlier} and this, in ms, and how many there were. */
  public Map<String, double[]> meansSince(ServerTimes earlier) {
    var means = new LinkedHashMap<String, double[]>();
    sumAndCount.forEach(
        (name, now) -> {
          double[] before = earlier.sumAndCount.getOrDefault(name, new double[2]);
          double count = now[1] - before[1];
          if (count > 0) {
            means.put(name, new double[] {(now[0] - before[0]) / count * 1000, count});
          }
        });
    return means;
  }
}
