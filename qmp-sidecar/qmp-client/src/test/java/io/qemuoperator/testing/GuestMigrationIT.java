package io.qemuoperator.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A live migration of the test guest under TCG keeps its memory intact, with the policy we choose
 * for TCG guests: stop-and-copy (the source paused, RAM sent in one pass, the target continued).
 * Multi-pass pre-copy under TCG corrupted guests here (README, "Live migration under TCG"; {@code
 * bench/migration-tcg.sh}). The guest checks its own memory ({@link TestGuest#withMemoryCheck}) and
 * must keep counting rounds with no error on the target's console. Runs on every QEMU the suite
 * runs on ({@code QEMU_SYSTEM}).
 */
class GuestMigrationIT {
  private static final Duration DEADLINE = Duration.ofSeconds(120); // TCG on a loaded machine
  private static final int CHECKED_MIB = 32;

  /** A versioned machine type both QEMU 7.2 and 10.0 have: the two sides must match. */
  static final String MACHINE = "pc-q35-7.2";

  @Test
  void stopAndCopyKeepsTheGuestsMemoryIntact() {
    var options =
        TestingQemu.Options.defaults()
            .withPaused(false)
            .withMachine(MACHINE)
            .withGuest(TestGuest.find().withMemoryCheck(CHECKED_MIB));
    try (var source = TestingQemu.start(options)) {
      await("the source guest's memory checker has filled its blocks and verified them twice")
          .atMost(DEADLINE)
          .pollInterval(Duration.ofMillis(200))
          .until(() -> MemoryCheck.read(source.serialLog(), false).rounds().size() >= 2);
      try (var target = TestingQemu.start(options.withExtraArgs("-incoming", "defer"))) {
        var result =
            new GuestMigration(source, target)
                .run(GuestMigration.Policy.STOP_AND_COPY, 128L << 20, 300, DEADLINE);

        assertThat(result.status()).as("source's migration status").isEqualTo("completed");
        assertThat(result.targetState()).isEqualTo("running");
        var before = MemoryCheck.read(source.serialLog(), false);
        assertThat(before.last()).hasValueSatisfying(r -> assertThat(r.errors()).isZero());
        long lastOnSource = before.last().orElseThrow().round();
        await("two memory-check rounds on the target after round " + lastOnSource)
            .atMost(DEADLINE)
            .pollInterval(Duration.ofMillis(200))
            .until(() -> MemoryCheck.read(target.serialLog(), true).roundsAfter(lastOnSource) >= 2);
        var after = MemoryCheck.read(target.serialLog(), true);
        assertThat(after.kernelTrouble()).as("oops, panic or reboot on the target").isEmpty();
        assertThat(after.last().orElseThrow().errors()).as("memory errors").isZero();
      }
    }
  }
}
