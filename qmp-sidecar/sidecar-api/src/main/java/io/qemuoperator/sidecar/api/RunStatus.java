package io.qemuoperator.sidecar.api;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.qemuoperator.qmp.types.RunState;

/**
 * {@code query-status}'s reply. Not the generated {@code StatusInfo}, because QEMU no longer
 * answers as the seed schema says:
 *
 * <ul>
 *   <li>{@code status}: modern QEMU has run states the seed's {@link RunState} does not list
 *       ({@code suspended}, {@code guest-panicked}, {@code colo}). The generated enum reads them as
 *       {@link RunState#UNKNOWN}, which writes back as null, and the operator must tell {@code
 *       guest-panicked} apart: the wire value is kept as QEMU sent it; {@link #runState()} is the
 *       enum.
 *   <li>{@code singlestep}: required by the seed, deprecated in QEMU 8.1 and since removed (10.0
 *       does not send it). {@code StatusInfo}'s {@code boolean} would report {@code false} for it;
 *       here it is null (and left out) when QEMU does not send it.
 * </ul>
 *
 * @param running whether the vCPUs run
 * @param singlestep QEMU's single-step mode; null where QEMU no longer reports it
 * @param status the run state as QEMU writes it, for example {@code running}, {@code paused}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RunStatus(
    @JsonProperty("running") boolean running,
    @JsonProperty("singlestep") Boolean singlestep,
    @JsonProperty("status") String status) {

  /** The run state as the seed's enum; {@link RunState#UNKNOWN} for one it does not list. */
  @JsonIgnore
  public RunState runState() {
    return RunState.fromWire(status);
  }
}
