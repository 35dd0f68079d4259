package io.qemuoperator.operator.plan;

import io.qemuoperator.api.v1alpha1.spec.LinkState;
import io.qemuoperator.api.v1alpha1.spec.UpdateStrategy;
import java.time.Duration;
import java.util.Map;
import java.util.OptionalLong;

/**
 * What a QemuVM's spec asks of the running QEMU, in QEMU's units.
 *
 * @param running false: power the guest down (then quit after the grace period)
 * @param paused true: the vCPUs stopped ({@code stop}); false: running ({@code cont})
 * @param memoryBytes guest RAM at boot; the balloon target when {@code balloonBytes} is empty
 * @param balloonBytes the balloon target, when the spec sets one
 * @param diskBytes per disk (QEMU's drive id), the size it must have at least, whole sectors; a
 *     disk on a claim the user owns is used as is and not listed
 * @param maxBandwidth migration speed limit in bytes/s, when the spec sets one
 * @param maxDowntimeMillis tolerated migration downtime in ms, when the spec sets one
 * @param gracePeriod how long a powered-down guest may take to shut down before {@code quit}
 * @param launch what a new QEMU would be launched with (boot-time fields, restart request)
 * @param updateStrategy whether a boot-time change restarts the VM at once or waits for a request
 * @param diskIoLimits per disk (drive id), its I/O limits ({@link IoLimits#NONE} when unset)
 * @param link the NIC's link state
 * @param cdromFiles per CD-ROM (drive id), the medium QEMU must have inserted, relative to the
 *     CD-ROM's claim; empty: none (ejected)
 */
public record DesiredVm(
    boolean running,
    boolean paused,
    long memoryBytes,
    OptionalLong balloonBytes,
    Map<String, Long> diskBytes,
    OptionalLong maxBandwidth,
    OptionalLong maxDowntimeMillis,
    Duration gracePeriod,
    Launch launch,
    UpdateStrategy updateStrategy,
    Map<String, IoLimits> diskIoLimits,
    LinkState link,
    Map<String, java.util.Optional<String>> cdromFiles) {

  /** QEMU sizes block devices in whole 512-byte sectors. */
  public static final long SECTOR = 512;

  public DesiredVm {
    diskBytes = Map.copyOf(diskBytes);
    diskIoLimits = Map.copyOf(diskIoLimits);
    cdromFiles = Map.copyOf(cdromFiles);
  }

  /** The same spec with {@code running: false}: how it applies while the QemuVM is deleted. */
  public DesiredVm stopped() {
    return new DesiredVm(
        false,
        paused,
        memoryBytes,
        balloonBytes,
        diskBytes,
        maxBandwidth,
        maxDowntimeMillis,
        gracePeriod,
        launch,
        updateStrategy,
        diskIoLimits,
        link,
        cdromFiles);
  }

  /** {@code bytes} rounded up to a whole sector, as QEMU would resize to. */
  public static long wholeSectors(long bytes) {
    return Math.ceilDiv(bytes, SECTOR) * SECTOR;
  }
}
