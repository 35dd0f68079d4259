package io.qemuoperator.bench;

import io.qemuoperator.testing.GuestMigration;
import io.qemuoperator.testing.GuestMigration.Policy;
import io.qemuoperator.testing.MemoryCheck;
import io.qemuoperator.testing.RawQmp;
import io.qemuoperator.testing.TestGuest;
import io.qemuoperator.testing.TestingQemu;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToLongFunction;

/**
 * Does live migration under TCG corrupt the guest? The test guest with its memory checker ({@code
 * qo.memcheck}) migrates between two local QEMUs ({@code QEMU_SYSTEM}, pinned {@code pc-q35-7.2},
 * 256 MiB, 2 vCPUs) by pre-copy (bandwidth capped, the checker dirtying memory: several RAM passes)
 * and by stop-and-copy (source paused first: one pass, the target continued), {@code --runs} times
 * each. Per run: QEMU's passes ({@code dirty-sync-count}), total time, downtime, and on the target
 * the checker's errors, an oops/panic/reboot on its console, or a hang (no new round within {@code
 * --resume-seconds}). Flags: {@code --runs N} (5), {@code --bandwidth-mib N} (pre-copy's cap, 16),
 * {@code --stop-bandwidth-mib N} (stop-and-copy's cap, 128: QEMU's default; the guest is paused for
 * the whole transfer), {@code --downtime-ms N} (1000), {@code --checked-mib N} (32), {@code
 * --resume-seconds N} (60). Figures are printed, never asserted.
 */
public final class MigrationBenchmark {
  private static final Duration DEADLINE = Duration.ofSeconds(120);

  private MigrationBenchmark() {}

  /** One migration and what the guest did after it. */
  private record Run(
      GuestMigration.Result result, long roundsAfter, long errors, String trouble, boolean hung) {
    boolean corrupted() {
      return errors > 0 || !trouble.isEmpty() || hung || !"completed".equals(result.status());
    }
  }

  public static void main(String[] args) {
    int runs = 5;
    long bandwidthMib = 16;
    long stopBandwidthMib = 128;
    long downtimeMs = 1000;
    int checkedMib = 32;
    long resumeSeconds = 60;
    Path guestDir = null;
    for (int i = 0; i < args.length; i += 2) {
      switch (args[i]) {
        case "--runs" -> runs = Integer.parseInt(args[i + 1]);
        case "--bandwidth-mib" -> bandwidthMib = Long.parseLong(args[i + 1]);
        case "--stop-bandwidth-mib" -> stopBandwidthMib = Long.parseLong(args[i + 1]);
        case "--downtime-ms" -> downtimeMs = Long.parseLong(args[i + 1]);
        case "--checked-mib" -> checkedMib = Integer.parseInt(args[i + 1]);
        case "--resume-seconds" -> resumeSeconds = Long.parseLong(args[i + 1]);
        case "--guest" -> guestDir = Path.of(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown flag " + args[i]);
      }
    }
    var guest =
        (guestDir == null ? TestGuest.find() : new TestGuest(guestDir)).withMemoryCheck(checkedMib);
    var options =
        TestingQemu.Options.defaults().withPaused(false).withMachine("pc-q35-7.2").withGuest(guest);
    String version = null;
    for (Policy policy : Policy.values()) {
      var all = new ArrayList<Run>();
      for (int n = 1; n <= runs; n++) {
        try (var source = TestingQemu.start(options)) {
          if (version == null) {
            try (var qmp = RawQmp.connect(source.observerSocket())) {
              var q = qmp.execute("query-version", null).path("return").path("qemu");
              version =
                  q.path("major").asInt()
                      + "."
                      + q.path("minor").asInt()
                      + "."
                      + q.path("micro").asInt();
            }
          }
          org.awaitility.Awaitility.await("two checker rounds on the source")
              .atMost(DEADLINE)
              .pollInterval(Duration.ofMillis(200))
              .until(() -> MemoryCheck.read(source.serialLog(), false).rounds().size() >= 2);
          try (var target = TestingQemu.start(options.withExtraArgs("-incoming", "defer"))) {
            var result =
                new GuestMigration(source, target)
                    .run(
                        policy,
                        (policy == Policy.PRE_COPY ? bandwidthMib : stopBandwidthMib) << 20,
                        downtimeMs,
                        DEADLINE);
            long lastOnSource =
                MemoryCheck.read(source.serialLog(), false).last().orElseThrow().round();
            long end = System.nanoTime() + Duration.ofSeconds(resumeSeconds).toNanos();
            MemoryCheck after = MemoryCheck.read(target.serialLog(), true);
            while ("completed".equals(result.status())
                && after.roundsAfter(lastOnSource) < 2
                && after.kernelTrouble().isEmpty()
                && target.alive()
                && System.nanoTime() < end) {
              pause();
              after = MemoryCheck.read(target.serialLog(), true);
            }
            var run =
                new Run(
                    result,
                    after.roundsAfter(lastOnSource),
                    after.last().map(MemoryCheck.Round::errors).orElse(0L),
                    after.kernelTrouble().orElse(""),
                    "completed".equals(result.status())
                        && after.kernelTrouble().isEmpty()
                        && after.roundsAfter(lastOnSource) < 2);
            all.add(run);
            System.out.printf(
                Locale.ROOT,
                "qemu=%s policy=%s run=%d status=%s passes=%d total=%dms downtime=%dms guest-paused=%dms"
                    + " transferred=%dMiB target=%s rounds-after=%d errors=%d oops=%s hung=%s%n",
                version,
                policy,
                n,
                result.status(),
                result.passes(),
                result.totalTimeMs(),
                result.downtimeMs(),
                guestPaused(result),
                result.transferredMib(),
                result.targetState(),
                run.roundsAfter(),
                run.errors(),
                run.trouble().isEmpty() ? "no" : "'" + run.trouble().strip() + "'",
                run.hung() ? "yes" : "no");
          }
        }
      }
      System.out.printf(
          Locale.ROOT,
          "SUMMARY qemu=%s policy=%s runs=%d intact=%d corrupted=%d (errors>0, oops, hang or not"
              + " completed) passes(median)=%d total(median)=%dms downtime(median)=%dms guest-paused(median)=%dms%n",
          version,
          policy,
          all.size(),
          all.stream().filter(r -> !r.corrupted()).count(),
          all.stream().filter(Run::corrupted).count(),
          median(all, r -> r.result().passes()),
          median(all, r -> r.result().totalTimeMs()),
          median(all, r -> r.result().downtimeMs()),
          median(all, r -> guestPaused(r.result())));
    }
  }

  /**
   * How long the guest did not run: QEMU's downtime for pre-copy; the whole migration for
   * stop-and-copy (QEMU's downtime counts only the final stage, but the source was paused before
   * {@code migrate}).
   */
  private static long guestPaused(GuestMigration.Result result) {
    return result.policy() == Policy.STOP_AND_COPY ? result.totalTimeMs() : result.downtimeMs();
  }

  private static long median(List<Run> runs, ToLongFunction<Run> figure) {
    long[] sorted = runs.stream().mapToLong(figure).sorted().toArray();
    return sorted.length == 0 ? 0 : sorted[sorted.length / 2];
  }

  private static void pause() {
    try {
      Thread.sleep(200);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
