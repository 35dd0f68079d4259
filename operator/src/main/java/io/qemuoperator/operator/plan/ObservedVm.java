package io.qemuoperator.operator.plan;

import io.qemuoperator.qmp.types.RunState;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What QEMU reported in one {@code /v1/state} snapshot, reduced to what the planner decides on.
 *
 * @param runState QEMU's run state as it wrote it (modern QEMU has values the seed does not list,
 *     e.g. {@code suspended}, {@code guest-panicked})
 * @param balloonActual guest RAM as the balloon reports it, when there is a balloon device
 * @param diskBytes per drive id, its virtual size
 * @param maxBandwidth {@code max-bandwidth} from {@code query-migrate-parameters}
 * @param downtimeLimitMillis {@code downtime-limit} from {@code query-migrate-parameters}
 * @param podLaunch what the VM's pod was launched for (its annotations); empty when it does not say
 * @param claims per disk, its claim as the API server shows it
 * @param qemu which QEMU process this is (its vCPUs' host thread ids)
 * @param diskIoLimits per drive id with a medium, the I/O limits QEMU applies
 * @param media per removable drive id (a CD-ROM), its medium as QEMU reports it
 */
public record ObservedVm(
    String runState,
    OptionalLong balloonActual,
    Map<String, Long> diskBytes,
    OptionalLong maxBandwidth,
    OptionalLong downtimeLimitMillis,
    Optional<Launch> podLaunch,
    Map<String, ClaimState> claims,
    String qemu,
    Map<String, IoLimits> diskIoLimits,
    Map<String, CdromMedia.Medium> media) {

  public ObservedVm {
    diskBytes = Map.copyOf(diskBytes);
    claims = Map.copyOf(claims);
    diskIoLimits = Map.copyOf(diskIoLimits);
    media = Map.copyOf(media);
  }

  /** This observation of QEMU, with what the pod and the claims say. */
  public ObservedVm withPod(Optional<Launch> podLaunch, Map<String, ClaimState> claims) {
    return new ObservedVm(
        runState,
        balloonActual,
        diskBytes,
        maxBandwidth,
        downtimeLimitMillis,
        podLaunch,
        claims,
        qemu,
        diskIoLimits,
        media);
  }

  /**
   * A disk's claim: the storage it has ({@code status.capacity}, empty while unbound), why the API
   * server refused to raise its request if it did, and the storage class it was created with when
   * the spec now names another ({@link SpecField#DISK_STORAGE_CLASS} is fixed at creation).
   */
  public record ClaimState(
      OptionalLong capacityBytes, Optional<String> refusal, Optional<String> createdWithClass) {

    public ClaimState(OptionalLong capacityBytes, Optional<String> refusal) {
      this(capacityBytes, refusal, Optional.empty());
    }

    public static ClaimState bound(long capacityBytes) {
      return new ClaimState(OptionalLong.of(capacityBytes), Optional.empty());
    }
  }

  /** The run state as the schema's enum; {@link RunState#UNKNOWN} for values it does not list. */
  public RunState state() {
    return RunState.fromWire(runState);
  }
}
