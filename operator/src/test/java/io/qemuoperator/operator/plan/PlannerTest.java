package io.qemuoperator.operator.plan;

import static org.assertj.core.api.Assertions.assertThat;

import io.qemuoperator.api.v1alpha1.spec.LinkState;
import io.qemuoperator.api.v1alpha1.spec.UpdateStrategy;
import io.qemuoperator.qmp.types.BlockSetIoThrottleArguments;
import io.qemuoperator.qmp.types.RunState;
import io.qemuoperator.qmp.types.SetLinkArguments;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

class PlannerTest {
  private static final long MIB = 1 << 20;
  private static final Instant NOW = Instant.parse("2026-11-25T12:00:00Z");
  private final Planner planner = new Planner();

  private static DesiredVm desired(boolean paused) {
    return PlanFixtures.desired(
        true,
        paused,
        512 * MIB,
        OptionalLong.empty(),
        Map.of(),
        OptionalLong.empty(),
        OptionalLong.empty(),
        Duration.ofSeconds(60));
  }

  private static ObservedVm observed(String runState) {
    return PlanFixtures.observed(
        runState,
        OptionalLong.of(512 * MIB),
        Map.of(),
        OptionalLong.of(134217728),
        OptionalLong.of(300));
  }

  private static List<String> commands(Plan plan) {
    return plan.actions().stream().map(QmpAction::command).toList();
  }

  /** Every run state of the schema, both ways of {@code paused}: the action, or why none. */
  static Stream<Arguments> pausedTable() {
    return Stream.of(
        // run state,      paused=false,  paused=true
        Arguments.of("debug", "cont", ""),
        Arguments.of("inmigrate", "!CannotResume", ""),
        Arguments.of("internal-error", "!CannotResume", ""),
        Arguments.of("io-error", "!CannotResume", ""),
        Arguments.of("paused", "cont", ""),
        Arguments.of("postmigrate", "!CannotResume", ""),
        Arguments.of("prelaunch", "cont", ""),
        Arguments.of("finish-migrate", "~", ""),
        Arguments.of("restore-vm", "~", ""),
        Arguments.of("running", "", "stop"),
        Arguments.of("save-vm", "~", ""),
        Arguments.of("shutdown", "!CannotResume", ""),
        Arguments.of("watchdog", "cont", ""),
        // states modern QEMU added, which the 1.1 schema does not list
        Arguments.of("suspended", "!CannotResume", ""),
        Arguments.of("guest-panicked", "!CannotResume", ""));
  }

  @ParameterizedTest(name = "{0}: paused=false -> {1}; paused=true -> {2}")
  @MethodSource("pausedTable")
  void pausedFollowsTheSpecFromEveryRunState(String runState, String unpaused, String paused) {
    check(
        planner.plan(desired(false), observed(runState), PriorIntent.none(), NOW),
        unpaused,
        runState);
    check(
        planner.plan(desired(true), observed(runState), PriorIntent.none(), NOW), paused, runState);
  }

  private static void check(Plan plan, String expected, String runState) {
    if (expected.startsWith("!")) {
      assertThat(plan.actions()).isEmpty();
      assertThat(plan.blockers())
          .singleElement()
          .satisfies(
              b -> {
                assertThat(b.reason()).isEqualTo(expected.substring(1));
                assertThat(b.message()).contains("'" + runState + "'");
              });
    } else if (expected.equals("~")) {
      assertThat(plan.actions()).isEmpty();
      assertThat(plan.blockers()).isEmpty();
      assertThat(plan.recheckAfter()).contains(Planner.TRANSIENT_POLL);
    } else if (expected.isEmpty()) {
      assertThat(plan.converged()).as(plan.toString()).isTrue();
    } else {
      assertThat(commands(plan)).containsExactly(expected);
      assertThat(plan.blockers()).isEmpty();
    }
  }

  @ParameterizedTest
  @EnumSource(RunState.class)
  void theTableCoversEveryRunStateOfTheSchema(RunState state) {
    if (state != RunState.UNKNOWN) {
      assertThat(pausedTable().map(a -> (String) a.get()[0])).contains(state.wireName());
    }
  }

  @Test
  void neverContFromTheStatesWhereItWouldHarmTheGuest() {
    for (RunState state : Planner.NEVER_CONT) {
      Plan plan = planner.plan(desired(false), observed(state.wireName()), PriorIntent.none(), NOW);
      assertThat(commands(plan)).doesNotContain("cont");
    }
  }

  @Test
  void disksGrowButNeverShrink() {
    var want =
        PlanFixtures.desired(
            true,
            false,
            512 * MIB,
            OptionalLong.empty(),
            Map.of("root", 10L << 30, "data", 1L << 30, "new", 1L << 30),
            OptionalLong.empty(),
            OptionalLong.empty(),
            Duration.ofSeconds(60));
    var have =
        PlanFixtures.observed(
            "running",
            OptionalLong.empty(),
            Map.of("root", 8L << 30, "data", 2L << 30),
            OptionalLong.empty(),
            OptionalLong.empty());

    Plan plan = planner.plan(want, have, PriorIntent.none(), NOW);

    assertThat(plan.actions())
        .containsExactly(
            new QmpAction.BlockResize(
                new io.qemuoperator.qmp.types.BlockResizeArguments("root", 10L << 30)));
    assertThat(plan.blockers())
        .extracting(Blocker::reason)
        .containsExactlyInAnyOrder("DiskShrinkRefused", "DiskNotAttached");
    assertThat(plan.blockers())
        .filteredOn(b -> b.reason().equals("DiskShrinkRefused"))
        .singleElement()
        .satisfies(b -> assertThat(b.message()).contains("'data'", "never shrunk"));
  }

  @Test
  void diskSizesAreRoundedUpToWholeSectorsSoTheyConverge() {
    var want =
        PlanFixtures.desired(
            true,
            false,
            512 * MIB,
            OptionalLong.empty(),
            Map.of("root", 1000L),
            OptionalLong.empty(),
            OptionalLong.empty(),
            Duration.ofSeconds(60));
    var have =
        PlanFixtures.observed(
            "running",
            OptionalLong.empty(),
            Map.of("root", 1024L),
            OptionalLong.empty(),
            OptionalLong.empty());
    assertThat(planner.plan(want, have, PriorIntent.none(), NOW).converged()).isTrue();
  }

  @Test
  void aBalloonTargetIsSentOnceEvenWhenTheGuestIgnoresIt() {
    var want =
        PlanFixtures.desired(
            true,
            false,
            512 * MIB,
            OptionalLong.of(384 * MIB),
            Map.of(),
            OptionalLong.empty(),
            OptionalLong.empty(),
            Duration.ofSeconds(60));
    var ignored = observed("running"); // actual stays 512 MiB: no guest driver

    Plan first = planner.plan(want, ignored, PriorIntent.none(), NOW);
    assertThat(commands(first)).containsExactly("balloon");

    var sent = new PriorIntent(OptionalLong.of(384 * MIB), Optional.empty());
    assertThat(planner.plan(want, ignored, sent, NOW).converged()).isTrue();
  }

  @Test
  void removingTheBalloonTargetGivesTheGuestAllItsMemoryBack() {
    var sent = new PriorIntent(OptionalLong.of(384 * MIB), Optional.empty());
    Plan plan = planner.plan(desired(false), observed("running"), sent, NOW);
    assertThat(plan.actions())
        .containsExactly(
            new QmpAction.Balloon(new io.qemuoperator.qmp.types.BalloonArguments(512 * MIB)));
    assertThat(
            planner.plan(desired(false), observed("running"), PriorIntent.none(), NOW).converged())
        .as("no target ever set, none wanted")
        .isTrue();
  }

  @Test
  void migrationTuningIsSentOnlyWhenQemuReportsOtherValues() {
    var want =
        PlanFixtures.desired(
            true,
            false,
            512 * MIB,
            OptionalLong.empty(),
            Map.of(),
            OptionalLong.of(32 * MIB),
            OptionalLong.of(500),
            Duration.ofSeconds(60));
    Plan plan = planner.plan(want, observed("running"), PriorIntent.none(), NOW);
    assertThat(commands(plan)).containsExactly("migrate_set_speed", "migrate_set_downtime");
    assertThat(((QmpAction.MigrateSetDowntime) plan.actions().get(1)).arguments().value())
        .isEqualTo(0.5);

    var reached =
        PlanFixtures.observed(
            "running",
            OptionalLong.of(512 * MIB),
            Map.of(),
            OptionalLong.of(32 * MIB),
            OptionalLong.of(500));
    assertThat(planner.plan(want, reached, PriorIntent.none(), NOW).converged()).isTrue();
  }

  @Test
  void pauseComesFirstAndResumeLast() {
    var want =
        PlanFixtures.desired(
            true,
            true,
            512 * MIB,
            OptionalLong.of(256 * MIB),
            Map.of(),
            OptionalLong.of(MIB),
            OptionalLong.empty(),
            Duration.ofSeconds(60));
    assertThat(commands(planner.plan(want, observed("running"), PriorIntent.none(), NOW)))
        .containsExactly("stop", "balloon", "migrate_set_speed");
    var resume =
        PlanFixtures.desired(
            true,
            false,
            512 * MIB,
            OptionalLong.of(256 * MIB),
            Map.of(),
            OptionalLong.of(MIB),
            OptionalLong.empty(),
            Duration.ofSeconds(60));
    assertThat(commands(planner.plan(resume, observed("paused"), PriorIntent.none(), NOW)))
        .containsExactly("balloon", "migrate_set_speed", "cont");
  }

  @Test
  void runningFalsePowersDownWaitsTheGracePeriodThenQuits() {
    var off =
        PlanFixtures.desired(
            false,
            false,
            512 * MIB,
            OptionalLong.of(256 * MIB),
            Map.of(),
            OptionalLong.empty(),
            OptionalLong.empty(),
            Duration.ofSeconds(30));

    Plan first = planner.plan(off, observed("running"), PriorIntent.none(), NOW);
    assertThat(commands(first)).containsExactly("system_powerdown");

    var asked = new PriorIntent(OptionalLong.empty(), Optional.of(NOW));
    Plan waiting = planner.plan(off, observed("running"), asked, NOW.plusSeconds(10));
    assertThat(waiting.actions()).isEmpty();
    assertThat(waiting.recheckAfter()).contains(Planner.POWERDOWN_POLL);

    Plan late = planner.plan(off, observed("running"), asked, NOW.plusSeconds(30));
    assertThat(commands(late)).containsExactly("quit");
    assertThat(late.actions().getFirst().reason()).isEqualTo("PowerdownTimedOut");
    assertThat(late.actions().getFirst().describe())
        .isEqualTo(
            "the guest did not power off within the grace period (30.0 s after the ACPI"
                + " request); QEMU ended (quit)");

    Plan shutDown = planner.plan(off, observed("shutdown"), asked, NOW.plusMillis(2100));
    assertThat(commands(shutDown))
        .as("a guest that shut down is quit at once")
        .containsExactly("quit");
    assertThat(shutDown.actions().getFirst().reason()).isEqualTo("GuestPoweredOff");
    assertThat(shutDown.actions().getFirst().describe())
        .isEqualTo("the guest powered itself off 2.1 s after the ACPI request; QEMU ended (quit)");
  }

  /**
   * Idempotence: apply each plan to a model of QEMU (what the real one does with these commands),
   * plan again: nothing is ever sent twice, and the second plan is empty.
   */
  @Test
  void aPlanAppliedLeavesNothingToDo() {
    var want =
        PlanFixtures.desired(
            true,
            true,
            512 * MIB,
            OptionalLong.of(384 * MIB),
            Map.of("root", 2L << 30),
            OptionalLong.of(32 * MIB),
            OptionalLong.of(250),
            Duration.ofSeconds(60));
    var state =
        new HashMap<String, Object>(
            Map.of("run", "running", "root", 1L << 30, "bw", 134217728L, "dt", 300L));
    OptionalLong balloonSent = OptionalLong.empty();
    List<String> sent = new ArrayList<>();
    for (int pass = 0; pass < 3; pass++) {
      var observed =
          PlanFixtures.observed(
              (String) state.get("run"),
              OptionalLong.of(512 * MIB),
              Map.of("root", (Long) state.get("root")),
              OptionalLong.of((Long) state.get("bw")),
              OptionalLong.of((Long) state.get("dt")));
      Plan plan = planner.plan(want, observed, new PriorIntent(balloonSent, Optional.empty()), NOW);
      for (QmpAction action : plan.actions()) {
        sent.add(action.command());
        switch (action) {
          case QmpAction.Stop s -> state.put("run", "paused");
          case QmpAction.Cont c -> state.put("run", "running");
          case QmpAction.BlockResize r -> state.put("root", r.arguments().size());
          case QmpAction.Balloon b -> balloonSent = OptionalLong.of(b.arguments().value());
          case QmpAction.MigrateSetSpeed s -> state.put("bw", s.arguments().value());
          case QmpAction.MigrateSetDowntime d ->
              state.put("dt", Math.round(d.arguments().value() * 1000));
          default -> throw new AssertionError(action);
        }
      }
    }
    assertThat(sent)
        .containsExactly(
            "stop", "block_resize", "balloon", "migrate_set_speed", "migrate_set_downtime");
  }

  private static DesiredVm withLaunch(DesiredVm vm, Launch launch, UpdateStrategy strategy) {
    return new DesiredVm(
        vm.running(),
        vm.paused(),
        vm.memoryBytes(),
        vm.balloonBytes(),
        vm.diskBytes(),
        vm.maxBandwidth(),
        vm.maxDowntimeMillis(),
        vm.gracePeriod(),
        launch,
        strategy,
        vm.diskIoLimits(),
        vm.link(),
        vm.cdromFiles());
  }

  private static final Launch TWO_CPUS = new Launch(new BootConfig(2, 512L << 20, List.of()), "");

  @Test
  void aBootTimeChangeRestartsTheVmThroughThePowerDownSequence() {
    var want = withLaunch(desired(false), TWO_CPUS, UpdateStrategy.Automatic);
    Plan first = planner.plan(want, observed("running"), PriorIntent.none(), NOW);
    assertThat(commands(first)).containsExactly("system_powerdown");
    assertThat(first.restarting()).isTrue();
    assertThat(first.restart().orElseThrow().describe()).isEqualTo("spec.cpus 1 → 2");

    var asked = new PriorIntent(OptionalLong.empty(), Optional.of(NOW));
    assertThat(commands(planner.plan(want, observed("running"), asked, NOW.plusSeconds(10))))
        .isEmpty();
    Plan last = planner.plan(want, observed("running"), asked, NOW.plusSeconds(60));
    assertThat(commands(last)).containsExactly("quit");
    assertThat(last.restarting()).isTrue();
  }

  @Test
  void manualKeepsApplyingLiveFieldsAndSaysRestartRequired() {
    var want = withLaunch(desired(true), TWO_CPUS, UpdateStrategy.Manual);
    Plan plan = planner.plan(want, observed("running"), PriorIntent.none(), NOW);
    assertThat(commands(plan)).containsExactly("stop");
    assertThat(plan.restarting()).isFalse();
    assertThat(plan.blockers()).extracting(Blocker::reason).containsExactly("RestartRequired");
    assertThat(plan.blockers().get(0).message())
        .contains("spec.cpus 1 → 2", "qemu-operator.io/restartedAt");
  }

  @Test
  void aDiskGrowsInQemuOnlyOnceItsClaimHoldsIt() {
    var want =
        PlanFixtures.desired(
            true,
            false,
            512 * MIB,
            OptionalLong.empty(),
            Map.of("root", 128 * MIB),
            OptionalLong.empty(),
            OptionalLong.empty(),
            Duration.ofSeconds(60));
    var base =
        PlanFixtures.observed(
            "running",
            OptionalLong.empty(),
            Map.of("root", 64 * MIB),
            OptionalLong.empty(),
            OptionalLong.empty());
    ObservedVm small =
        base.withPod(base.podLaunch(), Map.of("root", ObservedVm.ClaimState.bound(80 * MIB)));
    Plan waiting = planner.plan(want, small, PriorIntent.none(), NOW);
    assertThat(commands(waiting)).isEmpty();
    assertThat(waiting.blockers()).extracting(Blocker::reason).containsExactly("ClaimResizing");

    ObservedVm refused =
        base.withPod(
            base.podLaunch(),
            Map.of(
                "root",
                new ObservedVm.ClaimState(
                    OptionalLong.of(80 * MIB), Optional.of("Forbidden: only dynamically …"))));
    assertThat(planner.plan(want, refused, PriorIntent.none(), NOW).blockers())
        .extracting(Blocker::reason)
        .containsExactly("DiskExpansionRefused");

    ObservedVm grown =
        base.withPod(
            base.podLaunch(),
            Map.of("root", ObservedVm.ClaimState.bound(DiskSizing.claimBytes(128 * MIB))));
    assertThat(commands(planner.plan(want, grown, PriorIntent.none(), NOW)))
        .containsExactly("block_resize");
  }

  @Test
  void theCauseSaysDriftOrARestartedQemu() {
    var want = desired(false);
    var sameQemuInSync =
        new PriorIntent(OptionalLong.empty(), Optional.empty(), Optional.of("1001"), true);
    assertThat(planner.plan(want, observed("paused"), sameQemuInSync, NOW).cause())
        .isEqualTo(Plan.Cause.DRIFT);
    var otherQemu =
        new PriorIntent(OptionalLong.empty(), Optional.empty(), Optional.of("999"), true);
    assertThat(planner.plan(want, observed("paused"), otherQemu, NOW).cause())
        .isEqualTo(Plan.Cause.QEMU_RESTARTED);
    assertThat(planner.plan(want, observed("paused"), PriorIntent.none(), NOW).cause())
        .isEqualTo(Plan.Cause.SPEC);
  }

  @Test
  void aStorageClassChangedAfterTheClaimWasMadeIsReportedNotApplied() {
    var want =
        PlanFixtures.desired(
            true,
            false,
            512 * MIB,
            OptionalLong.empty(),
            Map.of("root", 1L << 30),
            OptionalLong.empty(),
            OptionalLong.empty(),
            Duration.ofSeconds(60));
    var base =
        PlanFixtures.observed(
            "running",
            OptionalLong.empty(),
            Map.of("root", 1L << 30),
            OptionalLong.empty(),
            OptionalLong.empty());
    ObservedVm moved =
        base.withPod(
            base.podLaunch(),
            Map.of(
                "root",
                new ObservedVm.ClaimState(
                    OptionalLong.of(1L << 30), Optional.empty(), Optional.of("local"))));
    Plan plan = planner.plan(want, moved, PriorIntent.none(), NOW);
    assertThat(plan.blockers()).extracting(Blocker::reason).containsExactly("StorageClassFixed");
    assertThat(plan.blockers().get(0).message()).contains("'root'", "'local'");
  }

  private static DesiredVm withDevices(Map<String, IoLimits> ioLimits, LinkState link) {
    var base = desired(false);
    return new DesiredVm(
        base.running(),
        base.paused(),
        base.memoryBytes(),
        base.balloonBytes(),
        Map.of("root", 1L << 30, "data", 1L << 30),
        base.maxBandwidth(),
        base.maxDowntimeMillis(),
        base.gracePeriod(),
        base.launch(),
        base.updateStrategy(),
        ioLimits,
        link,
        base.cdromFiles());
  }

  private static ObservedVm withLimits(Map<String, IoLimits> applied) {
    var base =
        PlanFixtures.observed(
            "running",
            OptionalLong.of(512 * MIB),
            Map.of("root", 1L << 30, "data", 1L << 30),
            OptionalLong.of(134217728),
            OptionalLong.of(300));
    return new ObservedVm(
        base.runState(),
        base.balloonActual(),
        base.diskBytes(),
        base.maxBandwidth(),
        base.downtimeLimitMillis(),
        base.podLaunch(),
        base.claims(),
        base.qemu(),
        applied,
        base.media());
  }

  private static final IoLimits READ_4MIB = new IoLimits(0, 4 * MIB, 0, 0, 0, 0);

  @Test
  void ioLimitsThatQemuDoesNotApplyAreSetWithAllSixValuesOnTheDriveId() {
    var want = withDevices(Map.of("root", READ_4MIB, "data", IoLimits.NONE), LinkState.Up);
    Plan plan =
        planner.plan(
            want,
            withLimits(Map.of("root", IoLimits.NONE, "data", IoLimits.NONE)),
            PriorIntent.none(),
            NOW);
    assertThat(plan.actions())
        .containsExactly(
            new QmpAction.BlockSetIoThrottle(
                new BlockSetIoThrottleArguments("root", 0, 4 * MIB, 0, 0, 0, 0)));
    assertThat(plan.actions().get(0).describe()).contains("root", "read 4194304 B/s");
  }

  @Test
  void ioLimitsRemovedFromTheSpecAreClearedAndAppliedOnesAreLeftAlone() {
    var want = withDevices(Map.of("root", READ_4MIB, "data", IoLimits.NONE), LinkState.Up);
    var applied = Map.of("root", READ_4MIB, "data", new IoLimits(0, 0, 0, 100, 0, 0));
    Plan plan = planner.plan(want, withLimits(applied), PriorIntent.none(), NOW);
    assertThat(plan.actions())
        .containsExactly(
            new QmpAction.BlockSetIoThrottle(
                new BlockSetIoThrottleArguments("data", 0, 0, 0, 0, 0, 0)));
  }

  @Test
  void ioLimitsOfADiskQemuDoesNotHaveAreNotSent() {
    var want = withDevices(Map.of("root", READ_4MIB, "data", READ_4MIB), LinkState.Up);
    Plan plan = planner.plan(want, withLimits(Map.of("root", READ_4MIB)), PriorIntent.none(), NOW);
    assertThat(plan.actions()).isEmpty();
  }

  @Test
  void linkDownIsSentOnceToEachQemuAndUpOnlyWhenThisQemuWasToldDown() {
    var down = withDevices(Map.of(), LinkState.Down);
    var up = withDevices(Map.of(), LinkState.Up);
    var observed = withLimits(Map.of("root", IoLimits.NONE, "data", IoLimits.NONE));
    var neverTold = PriorIntent.none();
    var toldDown =
        new PriorIntent(
            OptionalLong.empty(),
            Optional.empty(),
            Optional.of("1001"),
            true,
            Optional.of(LinkState.Down));

    assertThat(planner.plan(down, observed, neverTold, NOW).actions())
        .containsExactly(new QmpAction.SetLink(new SetLinkArguments("nic0", false)));
    assertThat(planner.plan(down, observed, toldDown, NOW).actions()).isEmpty();
    assertThat(planner.plan(up, observed, toldDown, NOW).actions())
        .containsExactly(new QmpAction.SetLink(new SetLinkArguments("nic0", true)));
    assertThat(planner.plan(up, observed, neverTold, NOW).actions())
        .as("QEMU starts every NIC up")
        .isEmpty();
  }
}
