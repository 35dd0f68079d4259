package io.qemuoperator.operator.plan;

import io.qemuoperator.qmp.types.BalloonArguments;
import io.qemuoperator.qmp.types.BlockResizeArguments;
import io.qemuoperator.qmp.types.BlockSetIoThrottleArguments;
import io.qemuoperator.qmp.types.ChangeArguments;
import io.qemuoperator.qmp.types.EjectArguments;
import io.qemuoperator.qmp.types.MigrateSetDowntimeArguments;
import io.qemuoperator.qmp.types.MigrateSetSpeedArguments;
import io.qemuoperator.qmp.types.SetLinkArguments;
import java.time.Duration;
import java.util.Optional;

/**
 * One QMP command the operator sends through the sidecar, with the seed schema's arguments (the
 * generated types) and the Kubernetes Event reason it is recorded under.
 */
public sealed interface QmpAction {

  /** The seed command's name. */
  String command();

  /** The arguments as one of the generated {@code *Arguments} records, or null for none. */
  default Object arguments() {
    return null;
  }

  /** The Event reason (CamelCase) recorded on the QemuVM when the action succeeds. */
  String reason();

  /** A sentence for the Event. */
  String describe();

  /** Whether its Event is a Warning (something did not go as the user would want). */
  default boolean warning() {
    return false;
  }

  /**
   * The run state QEMU is in once it has carried the command out and answered, for the commands
   * that change it: {@code stop} → paused, {@code cont} → running.
   */
  default Optional<String> runStateAfter() {
    return Optional.empty();
  }

  record Stop() implements QmpAction {
    public String command() {
      return "stop";
    }

    public String reason() {
      return "Paused";
    }

    public String describe() {
      return "paused the vCPUs (stop)";
    }

    @Override
    public Optional<String> runStateAfter() {
      return Optional.of("paused");
    }
  }

  record Cont() implements QmpAction {
    public String command() {
      return "cont";
    }

    public String reason() {
      return "Resumed";
    }

    public String describe() {
      return "resumed the vCPUs (cont)";
    }

    @Override
    public Optional<String> runStateAfter() {
      return Optional.of("running");
    }
  }

  record Balloon(BalloonArguments arguments) implements QmpAction {
    public String command() {
      return "balloon";
    }

    public String reason() {
      return "BalloonSet";
    }

    public String describe() {
      return "set the balloon target to " + arguments.value() + " bytes";
    }
  }

  record BlockResize(BlockResizeArguments arguments) implements QmpAction {
    public String command() {
      return "block_resize";
    }

    public String reason() {
      return "DiskResized";
    }

    public String describe() {
      return "grew disk " + arguments.device() + " to " + arguments.size() + " bytes";
    }
  }

  record BlockSetIoThrottle(BlockSetIoThrottleArguments arguments) implements QmpAction {
    public String command() {
      return "block_set_io_throttle";
    }

    public String reason() {
      return "IoLimitsSet";
    }

    public String describe() {
      var a = arguments;
      IoLimits limits =
          new IoLimits(a.bps(), a.bpsRd(), a.bpsWr(), a.iops(), a.iopsRd(), a.iopsWr());
      return "set disk " + a.device() + "'s I/O limits to " + limits;
    }
  }

  record SetLink(SetLinkArguments arguments) implements QmpAction {
    public String command() {
      return "set_link";
    }

    public String reason() {
      return arguments.up() ? "LinkUp" : "LinkDown";
    }

    public String describe() {
      return "set the link of NIC " + arguments.name() + (arguments.up() ? " up" : " down");
    }
  }

  /**
   * The seed's {@code change} on a CD-ROM: the medium {@code target} (format raw: an ISO9660 or raw
   * image) goes in; modern QEMU gets it as {@code blockdev-change-medium} from the sidecar.
   */
  record Change(ChangeArguments arguments) implements QmpAction {
    public String command() {
      return "change";
    }

    public String reason() {
      return "MediumChanged";
    }

    public String describe() {
      return "inserted " + arguments.target() + " in CD-ROM " + arguments.device();
    }
  }

  /** {@code eject}, forced (a guest's lock does not keep the medium in). */
  record Eject(EjectArguments arguments) implements QmpAction {
    public String command() {
      return "eject";
    }

    public String reason() {
      return "MediumEjected";
    }

    public String describe() {
      return "ejected the medium of CD-ROM " + arguments.device();
    }
  }

  record MigrateSetSpeed(MigrateSetSpeedArguments arguments) implements QmpAction {
    public String command() {
      return "migrate_set_speed";
    }

    public String reason() {
      return "MigrationSpeedSet";
    }

    public String describe() {
      return "set the migration speed limit to " + arguments.value() + " bytes/s";
    }
  }

  record MigrateSetDowntime(MigrateSetDowntimeArguments arguments) implements QmpAction {
    public String command() {
      return "migrate_set_downtime";
    }

    public String reason() {
      return "MigrationDowntimeSet";
    }

    public String describe() {
      return "set the tolerated migration downtime to " + arguments.value() + " s";
    }
  }

  record SystemPowerdown() implements QmpAction {
    public String command() {
      return "system_powerdown";
    }

    public String reason() {
      return "PowerdownRequested";
    }

    public String describe() {
      return "asked the guest to power down (ACPI)";
    }
  }

  /**
   * {@code quit}: QEMU ends. Recorded under why: the guest powered itself off (nothing was cut
   * short; {@code afterRequest} is how long after the ACPI request, when the operator made one), or
   * the grace period passed with the guest still running.
   */
  record Quit(boolean guestPoweredOff, Optional<Duration> afterRequest) implements QmpAction {
    public String command() {
      return "quit";
    }

    public String reason() {
      return guestPoweredOff ? "GuestPoweredOff" : "PowerdownTimedOut";
    }

    public boolean warning() {
      return !guestPoweredOff;
    }

    public String describe() {
      String waited =
          afterRequest.map(d -> " " + seconds(d) + " s after the ACPI request").orElse("");
      return guestPoweredOff
          ? "the guest powered itself off" + waited + "; QEMU ended (quit)"
          : "the guest did not power off within the grace period ("
              + waited.strip()
              + "); QEMU ended (quit)";
    }

    private static String seconds(Duration d) {
      return String.format(java.util.Locale.ROOT, "%.1f", d.toMillis() / 1000.0);
    }
  }
}
