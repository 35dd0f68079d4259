package io.qemuoperator.operator.plan;

import io.qemuoperator.api.v1alpha1.spec.LinkState;
import io.qemuoperator.qmp.types.BalloonArguments;
import io.qemuoperator.qmp.types.BlockResizeArguments;
import io.qemuoperator.qmp.types.ChangeArguments;
import io.qemuoperator.qmp.types.EjectArguments;
import io.qemuoperator.qmp.types.MigrateSetDowntimeArguments;
import io.qemuoperator.qmp.types.MigrateSetSpeedArguments;
import io.qemuoperator.qmp.types.RunState;
import io.qemuoperator.qmp.types.SetLinkArguments;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Spec versus what QEMU reports → the QMP actions that close the gap, in order. A pure function: no
 * I/O, no clock of its own (the caller passes {@code now}); the same inputs always give the same
 * plan, and a plan applied leaves nothing to do on the next pass.
 *
 * <p>Order: {@code stop} first (a pause is wanted at once), then disks, balloon and migration
 * tuning, then {@code cont} last (a resumed guest finds its new settings in place). {@code running:
 * false} replaces all of that with the power-down sequence, and so does a restart: a boot-time
 * field ({@link SpecField.Class#RESTART}) that differs from what the pod was launched with, or a
 * restart request. Under {@code updateStrategy: Manual} a boot-time change is a RestartRequired
 * blocker instead, and the live fields are still applied.
 */
public final class Planner {

  /** Run states {@code cont} must never leave: QEMU would lose or corrupt state, or refuses. */
  static final Set<RunState> NEVER_CONT =
      EnumSet.of(
          RunState.INMIGRATE,
          RunState.INTERNAL_ERROR,
          RunState.IO_ERROR,
          RunState.SHUTDOWN,
          RunState.POSTMIGRATE);

  /** Passing states QEMU leaves by itself (a migration or snapshot finishing). */
  static final Set<RunState> TRANSIENT =
      EnumSet.of(RunState.FINISH_MIGRATE, RunState.RESTORE_VM, RunState.SAVE_VM);

  /** States {@code cont} starts or resumes the vCPUs from. */
  static final Set<RunState> RESUMABLE =
      EnumSet.of(RunState.PAUSED, RunState.PRELAUNCH, RunState.WATCHDOG, RunState.DEBUG);

  /** The VM's one NIC, as the pod's QEMU command line names it. */
  public static final String NIC_ID = "nic0";

  /** How often to look at a guest that was asked to power down. */
  static final Duration POWERDOWN_POLL = Duration.ofSeconds(2);

  /** How soon to look again at a VM in a passing state. */
  static final Duration TRANSIENT_POLL = Duration.ofSeconds(1);

  public Plan plan(DesiredVm desired, ObservedVm observed, PriorIntent prior, Instant now) {
    if (!desired.running()) {
      return powerDown(desired, observed, prior, now);
    }
    Optional<Restart> restart =
        Restart.decide(desired.launch(), observed.podLaunch(), desired.updateStrategy());
    if (restart.isPresent() && restart.get().now()) {
      Plan down = powerDown(desired, observed, prior, now);
      return new Plan(
          down.actions(), down.blockers(), down.recheckAfter(), restart, Plan.Cause.SPEC);
    }
    var actions = new ArrayList<QmpAction>();
    var blockers = new ArrayList<Blocker>();
    Optional<Duration> recheck = Optional.empty();
    RunState state = observed.state();

    if (desired.paused() && state == RunState.RUNNING) {
      actions.add(new QmpAction.Stop());
    }
    restart.ifPresent(
        deferred ->
            blockers.add(
                new Blocker(
                    Restart.REQUIRED,
                    "boot-time fields differ from the running QEMU: "
                        + deferred.describe()
                        + "; updateStrategy is Manual: set the annotation "
                        + io.qemuoperator.api.v1alpha1.QemuVMApi.RESTARTED_AT_ANNOTATION
                        + " to a new value (e.g. the time) to restart the VM")));
    disks(desired, observed, restart.isPresent(), actions, blockers);
    balloon(desired, prior, actions);
    ioLimits(desired, observed, actions);
    link(desired, prior, actions);
    media(desired, observed, actions);
    migration(desired, observed, actions);
    if (!desired.paused() && state != RunState.RUNNING) {
      if (RESUMABLE.contains(state)) {
        actions.add(new QmpAction.Cont());
      } else if (TRANSIENT.contains(state)) {
        recheck = Optional.of(TRANSIENT_POLL);
      } else {
        blockers.add(cannotResume(observed.runState(), state));
      }
    }
    return new Plan(actions, blockers, recheck, restart, cause(observed, prior));
  }

  /**
   * A QEMU other than the one the intents were recorded for was restarted; the same QEMU, after the
   * spec had been reached, was changed behind the operator's back.
   */
  static Plan.Cause cause(ObservedVm observed, PriorIntent prior) {
    if (prior.qemu().isPresent() && !prior.qemu().get().equals(observed.qemu())) {
      return Plan.Cause.QEMU_RESTARTED;
    }
    return prior.syncedBefore() && prior.qemu().isPresent() ? Plan.Cause.DRIFT : Plan.Cause.SPEC;
  }

  private static Blocker cannotResume(String wire, RunState state) {
    String why =
        switch (state) {
          case INMIGRATE -> "it is waiting for an incoming migration; cont would start it empty";
          case POSTMIGRATE -> "it was migrated away; the guest now runs on the destination";
          case INTERNAL_ERROR -> "QEMU hit an internal error; restart the VM";
          case IO_ERROR ->
              "a disk I/O error paused it; fix the storage (space, permissions), then it can resume";
          case SHUTDOWN -> "the guest shut down; set running: false and back to true to boot it";
          default -> "QEMU reports a state the operator does not resume from";
        };
    return new Blocker("CannotResume", "QEMU is in run state '" + wire + "': " + why);
  }

  /**
   * A disk grows in QEMU only once its claim holds the new size and the qcow2 metadata; before that
   * (the claim's request raised, the storage not grown yet) or when the cluster refused to grow the
   * claim, the disk waits with a blocker. A disk not attached is attached by a restart.
   */
  private static void disks(
      DesiredVm desired,
      ObservedVm observed,
      boolean restartPending,
      List<QmpAction> actions,
      List<Blocker> blockers) {
    for (Map.Entry<String, Long> disk : new TreeMap<>(desired.diskBytes()).entrySet()) {
      String device = disk.getKey();
      long wanted = DesiredVm.wholeSectors(disk.getValue());
      Long current = observed.diskBytes().get(device);
      ObservedVm.ClaimState claim = observed.claims().get(device);
      if (claim != null && claim.createdWithClass().isPresent()) {
        blockers.add(
            new Blocker(
                "StorageClassFixed",
                "disk '"
                    + device
                    + "' stays on storage class '"
                    + claim.createdWithClass().get()
                    + "': a claim's class is set when it is created and never changes (add a"
                    + " disk to use another class)"));
      }
      if (current == null) {
        if (!restartPending) {
          blockers.add(
              new Blocker(
                  "DiskNotAttached", "disk '" + device + "' is not attached to the running QEMU"));
        }
      } else if (wanted > current) {
        claimBlocker(device, wanted, observed.claims().get(device))
            .ifPresentOrElse(
                blockers::add,
                () ->
                    actions.add(
                        new QmpAction.BlockResize(new BlockResizeArguments(device, wanted))));
      } else if (wanted < current) {
        blockers.add(
            new Blocker(
                "DiskShrinkRefused",
                "disk '"
                    + device
                    + "' is "
                    + current
                    + " bytes; the spec asks for "
                    + wanted
                    + ", and disks are never shrunk (data would be lost)"));
      }
    }
  }

  /** Why disk {@code device} cannot grow to {@code wanted} bytes on its claim now, if it cannot. */
  private static Optional<Blocker> claimBlocker(
      String device, long wanted, ObservedVm.ClaimState claim) {
    long needed = DiskSizing.claimBytes(wanted);
    if (claim != null && claim.refusal().isPresent()) {
      return Optional.of(
          new Blocker(
              "DiskExpansionRefused",
              "disk '"
                  + device
                  + "' stays at its size: the cluster refused to grow its claim to "
                  + Quantities.format(needed)
                  + " ("
                  + claim.refusal().get()
                  + ")"));
    }
    if (claim == null
        || claim.capacityBytes().isEmpty()
        || claim.capacityBytes().getAsLong() < needed) {
      return Optional.of(
          new Blocker(
              "ClaimResizing",
              "disk '"
                  + device
                  + "' grows to "
                  + wanted
                  + " bytes once its claim holds "
                  + needed
                  + " bytes (it has "
                  + (claim == null || claim.capacityBytes().isEmpty()
                      ? "no capacity yet"
                      : claim.capacityBytes().getAsLong())
                  + ")"));
    }
    return Optional.empty();
  }

  /**
   * The balloon target is sent once per value: QEMU accepts it whether or not a guest driver acts
   * on it, so the actual size is no proof it was received. The prior intent is.
   */
  private static void balloon(DesiredVm desired, PriorIntent prior, List<QmpAction> actions) {
    long target = desired.balloonBytes().orElse(desired.memoryBytes());
    boolean sent = prior.balloonTarget().isPresent() && prior.balloonTarget().getAsLong() == target;
    boolean neverSetAndNoneWanted =
        prior.balloonTarget().isEmpty() && desired.balloonBytes().isEmpty();
    if (!sent && !neverSetAndNoneWanted) {
      actions.add(new QmpAction.Balloon(new BalloonArguments(target)));
    }
  }

  /**
   * Each attached disk gets the spec's I/O limits when QEMU reports others (a disk whose limits
   * left the spec gets none: all zero). A disk QEMU does not report is left to {@link #disks}.
   */
  private static void ioLimits(DesiredVm desired, ObservedVm observed, List<QmpAction> actions) {
    for (String device : new TreeMap<>(desired.diskIoLimits()).keySet()) {
      IoLimits applied = observed.diskIoLimits().get(device);
      IoLimits wanted = desired.diskIoLimits().getOrDefault(device, IoLimits.NONE);
      if (applied != null && !applied.equals(wanted)) {
        actions.add(new QmpAction.BlockSetIoThrottle(wanted.arguments(device)));
      }
    }
  }

  /**
   * QEMU has no query for a NIC's link state: the state is the last one this QEMU process
   * acknowledged ({@code set_link}, recorded as intent), and up for a QEMU never told.
   */
  private static void link(DesiredVm desired, PriorIntent prior, List<QmpAction> actions) {
    if (desired.link() != prior.linkState()) {
      actions.add(
          new QmpAction.SetLink(new SetLinkArguments(NIC_ID, desired.link() == LinkState.Up)));
    }
  }

  /**
   * Each CD-ROM QEMU reports gets the spec's medium when QEMU has another one in ({@code change}),
   * or is emptied when the spec names none ({@code eject}); nothing is sent when QEMU already has
   * it. A CD-ROM QEMU does not report (not in this QEMU yet) waits for the restart that adds it.
   */
  private static void media(DesiredVm desired, ObservedVm observed, List<QmpAction> actions) {
    for (var entry : new TreeMap<>(desired.cdromFiles()).entrySet()) {
      String device = entry.getKey();
      CdromMedia.Medium medium = observed.media().get(device);
      if (medium == null
          || medium.file().map(f -> CdromMedia.relative(device, f)).equals(entry.getValue())) {
        continue;
      }
      actions.add(
          entry.getValue().isPresent()
              ? new QmpAction.Change(
                  new ChangeArguments(
                      device, CdromMedia.path(device, entry.getValue().get()), "raw"))
              : new QmpAction.Eject(new EjectArguments(device, true)));
    }
  }

  private static void migration(DesiredVm desired, ObservedVm observed, List<QmpAction> actions) {
    desired
        .maxBandwidth()
        .ifPresent(
            wanted -> {
              if (observed.maxBandwidth().isEmpty()
                  || observed.maxBandwidth().getAsLong() != wanted) {
                actions.add(new QmpAction.MigrateSetSpeed(new MigrateSetSpeedArguments(wanted)));
              }
            });
    desired
        .maxDowntimeMillis()
        .ifPresent(
            wanted -> {
              if (observed.downtimeLimitMillis().isEmpty()
                  || observed.downtimeLimitMillis().getAsLong() != wanted) {
                actions.add(
                    new QmpAction.MigrateSetDowntime(
                        new MigrateSetDowntimeArguments(wanted / 1000.0)));
              }
            });
  }

  /**
   * {@code running: false}: ask the guest to power down (ACPI), give it the grace period to shut
   * down, then {@code quit}. A guest that already shut down is quit at once.
   */
  private static Plan powerDown(
      DesiredVm desired, ObservedVm observed, PriorIntent prior, Instant now) {
    Optional<Duration> sinceRequest =
        prior.powerdownSince().map(since -> Duration.between(since, now));
    if (observed.state() == RunState.SHUTDOWN) {
      return new Plan(List.of(new QmpAction.Quit(true, sinceRequest)), List.of(), Optional.empty());
    }
    if (prior.powerdownSince().isEmpty()) {
      return new Plan(
          List.of(new QmpAction.SystemPowerdown()), List.of(), Optional.of(POWERDOWN_POLL));
    }
    Duration waited = sinceRequest.orElseThrow();
    if (waited.compareTo(desired.gracePeriod()) >= 0) {
      return new Plan(
          List.of(new QmpAction.Quit(false, sinceRequest)), List.of(), Optional.empty());
    }
    Duration left = desired.gracePeriod().minus(waited);
    return new Plan(
        List.of(),
        List.of(),
        Optional.of(left.compareTo(POWERDOWN_POLL) < 0 ? left : POWERDOWN_POLL));
  }
}
