package io.qemuoperator.bench;

import io.qemuoperator.bench.http.HttpFront;
import java.util.DoubleSummaryStatistics;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.ToDoubleFunction;

/** {@link HttpServersBenchmark}'s figures as a table: a column per server, ranges over repeats. */
final class HttpServersTable {
  private static final int LABEL = 52;
  private static final int COLUMN = 16;

  private HttpServersTable() {}

  static String render(
      MachineFacts machine,
      String loadStart,
      String loadEnd,
      List<HttpFront.Server> servers,
      List<HttpServersBenchmark.Measurement> all,
      int calls,
      int loadClients) {
    var out = new StringBuilder();
    line(out, "http-servers benchmark: the sidecar's HTTP front on each server, one QEMU");
    line(out, "machine   %s", machine.summary());
    line(out, "qemu      %s (TCG)", machine.qemuVersion());
    line(out, "load avg  start %s | end %s (1/5/15 min)", loadStart, loadEnd);
    line(out, "ranges are min-max over the repeats; %d timed calls per path per repeat", calls);
    line(out, "");
    var header = new StringBuilder(String.format(Locale.ROOT, "%-" + LABEL + "s", ""));
    for (HttpFront.Server server : servers) {
      header.append(String.format(Locale.ROOT, "%" + COLUMN + "s", server.label()));
    }
    line(out, "%s", header);
    row(out, servers, all, "start to first /healthz 200 (ms)", m -> m.startMs(), "%.0f");
    row(out, servers, all, "RSS idle (MiB)", m -> m.rssIdleKib() / 1024.0, "%.1f");
    row(out, servers, all, "query-status direct p50 (µs)", m -> m.direct().p50(), "%.0f");
    row(out, servers, all, "query-status through the front p50 (µs)", m -> m.front().p50(), "%.0f");
    row(out, servers, all, "added over direct, p50 (µs)", m -> m.addedP50Us(), "%.0f");
    row(out, servers, all, "added over direct, p99 (µs)", m -> m.addedP99Us(), "%.0f");
    row(
        out,
        servers,
        all,
        "RSS under " + loadClients + " clients (MiB)",
        m -> m.rssLoadedKib() / 1024.0,
        "%.1f");
    row(
        out,
        servers,
        all,
        "requests/s under " + loadClients + " clients",
        m -> m.loadRequestsPerSecond(),
        "%.0f");
    for (int c = 0; c < AttackCases.NAMES.size(); c++) {
      var text =
          new StringBuilder(
              String.format(Locale.ROOT, "%-" + LABEL + "s", AttackCases.NAMES.get(c)));
      for (HttpFront.Server server : servers) {
        List<AttackCases.Outcome> outcomes = outcomes(all, server, c);
        long passed = outcomes.stream().filter(AttackCases.Outcome::passed).count();
        String cell =
            (passed == outcomes.size() ? "pass " : passed == 0 ? "FAIL " : "MIXED ")
                + passed
                + "/"
                + outcomes.size();
        text.append(String.format(Locale.ROOT, "%" + COLUMN + "s", cell));
      }
      line(out, "%s", text);
    }
    line(out, "");
    line(out, "what each server did (distinct observations over the repeats):");
    for (int c = 0; c < AttackCases.NAMES.size(); c++) {
      line(out, "  %s", AttackCases.NAMES.get(c));
      for (HttpFront.Server server : servers) {
        Set<String> seen = new LinkedHashSet<>();
        outcomes(all, server, c).forEach(o -> seen.add(o.seen()));
        line(out, "    %-8s %s", server.label(), String.join(" | ", seen));
      }
    }
    return out.toString();
  }

  private static List<AttackCases.Outcome> outcomes(
      List<HttpServersBenchmark.Measurement> all, HttpFront.Server server, int index) {
    return all.stream()
        .filter(m -> m.server().equals(server.label()))
        .map(m -> m.attacks().get(index))
        .toList();
  }

  private static void row(
      StringBuilder out,
      List<HttpFront.Server> servers,
      List<HttpServersBenchmark.Measurement> all,
      String label,
      ToDoubleFunction<HttpServersBenchmark.Measurement> figure,
      String format) {
    var text = new StringBuilder(String.format(Locale.ROOT, "%-" + LABEL + "s", label));
    for (HttpFront.Server server : servers) {
      DoubleSummaryStatistics stats =
          all.stream()
              .filter(m -> m.server().equals(server.label()))
              .mapToDouble(figure)
              .summaryStatistics();
      String cell =
          stats.getCount() == 0
              ? "-"
              : stats.getMin() == stats.getMax()
                  ? String.format(Locale.ROOT, format, stats.getMin())
                  : String.format(Locale.ROOT, format, stats.getMin())
                      + "-"
                      + String.format(Locale.ROOT, format, stats.getMax());
      text.append(String.format(Locale.ROOT, "%" + COLUMN + "s", cell));
    }
    line(out, "%s", text);
  }

  private static void line(StringBuilder out, String format, Object... args) {
    out.append(String.format(Locale.ROOT, format, args)).append('\n');
  }
}
