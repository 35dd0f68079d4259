package io.qemuoperator.testing;

import com.fasterxml.jackson.databind.JsonNode;
import io.qemuoperator.qmp.migration.MigrationCommands;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One live migration of a running {@link TestingQemu} to a target {@link TestingQemu} started with
 * the identical guest-visible command line plus {@code -incoming defer}, over loopback TCP, driven
 * with plain QMP ({@link RawQmp} on each side's observer monitor) and the product's {@link
 * MigrationCommands}: capabilities {@code events} and {@code return-path} on both sides. Waits for
 * the end through {@code query-migrate} and returns QEMU's own figures. With {@link
 * Policy#STOP_AND_COPY} the source is {@code stop}ped first (RAM goes in one pass while nothing
 * dirties it) and the target, left paused by QEMU, is {@code cont}ed.
 */
public final class GuestMigration {
  /** How RAM is sent. */
  public enum Policy {
    /** QEMU's default: RAM sent while the guest runs, re-sending what it dirtied, pass by pass. */
    PRE_COPY,
    /** The source paused before {@code migrate}: one pass, then the target continued. */
    STOP_AND_COPY
  }

  /**
   * QEMU's figures: the source's final {@code status}, {@code passes} ({@code
   * ram.dirty-sync-count}), {@code totalTimeMs}, {@code downtimeMs} (QEMU's; for stop-and-copy the
   * guest was paused for the whole transfer), MiB transferred, and the target's run state
   * afterwards.
   */
  public record Result(
      Policy policy,
      String status,
      long passes,
      long totalTimeMs,
      long downtimeMs,
      long transferredMib,
      String targetState) {}

  private final TestingQemu source;
  private final TestingQemu target;

  public GuestMigration(TestingQemu source, TestingQemu target) {
    this.source = source;
    this.target = target;
  }

  /**
   * Migrates with {@code policy}; {@code maxBandwidth} bytes/s and {@code downtimeLimitMs} are set
   * on the source before {@code migrate}. Gives up (and cancels) after {@code deadline}.
   */
  public Result run(Policy policy, long maxBandwidth, long downtimeLimitMs, Duration deadline) {
    int port = freePort();
    String loopback = "127.0.0.1";
    try (var src = RawQmp.connect(source.observerSocket());
        var dst = RawQmp.connect(target.observerSocket())) {
      await(deadline, () -> "inmigrate".equals(dst.runState()), "target in inmigrate");
      ok(dst, MigrationCommands.targetCapabilities());
      ok(dst, MigrationCommands.incoming(loopback, port));
      ok(src, MigrationCommands.sourceCapabilities(false));
      ok(src, MigrationCommands.parameters(maxBandwidth, downtimeLimitMs));
      if (policy == Policy.STOP_AND_COPY) {
        ok(src.execute("stop", null));
      }
      ok(src, MigrationCommands.migrate(loopback, port));
      long end = System.nanoTime() + deadline.toNanos();
      JsonNode info = src.execute("query-migrate", null).path("return");
      while (!List.of("completed", "failed", "cancelled").contains(info.path("status").asText())) {
        if (System.nanoTime() > end) {
          src.execute("migrate_cancel", null);
          break;
        }
        pause();
        info = src.execute("query-migrate", null).path("return");
      }
      String status = info.path("status").asText();
      if ("completed".equals(status)) {
        await(deadline, () -> !"inmigrate".equals(dst.runState()), "target out of inmigrate");
        if (policy == Policy.STOP_AND_COPY && "paused".equals(dst.runState())) {
          ok(dst.execute("cont", null));
        }
      }
      return new Result(
          policy,
          status,
          info.path("ram").path("dirty-sync-count").asLong(),
          info.path("total-time").asLong(),
          info.path("downtime").asLong(),
          info.path("ram").path("transferred").asLong() >> 20,
          target.alive() ? dst.runState() : "exited");
    }
  }

  private static void ok(RawQmp qmp, MigrationCommands.Command command) {
    ok(qmp.execute(command.name(), command.arguments().toString()));
  }

  private static void ok(JsonNode reply) {
    if (!reply.has("return")) {
      throw new IllegalStateException("QMP error: " + reply.path("error"));
    }
  }

  private static void await(
      Duration deadline, java.util.concurrent.Callable<Boolean> condition, String what) {
    org.awaitility.Awaitility.await(what)
        .atMost(deadline)
        .pollInterval(Duration.ofMillis(50))
        .until(condition);
  }

  private static void pause() {
    try {
      TimeUnit.MILLISECONDS.sleep(50);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static int freePort() {
    try (var socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
