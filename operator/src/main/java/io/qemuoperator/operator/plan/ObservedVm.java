package io.qemuoperator.operator.plan;

import io.qemuoperator.qmp.types.RunState;
import java.util.Map;
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
 */
public record ObservedVm(
    String runState,
    OptionalLong balloonActual,
    Map<String, Long> diskBytes,
    OptionalLong maxBandwidth,
    OptionalLong downtimeLimitMillis) {

  public ObservedVm {
    diskBytes = Map.copyOf(diskBytes);
  }

  /** The run state as the schema's enum; {@link RunState#UNKNOWN} for values it does not list. */
  public RunState state() {
    return RunState.fromWire(runState);
  }
}
