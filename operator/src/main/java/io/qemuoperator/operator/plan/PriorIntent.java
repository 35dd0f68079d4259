package io.qemuoperator.operator.plan;

import io.qemuoperator.api.v1alpha1.spec.LinkState;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What the operator already asked of this QEMU, as recorded in the QemuVM's status ({@code
 * status.intent}) before it acted. It keeps the planner from sending again what QEMU accepted but
 * the guest does not act on, such as a balloon target with no balloon driver, and tells it whether
 * QEMU changed under it.
 *
 * @param balloonTarget the last balloon target sent to this QEMU instance
 * @param powerdownSince when {@code system_powerdown} was sent, while the guest is shutting down
 * @param qemu the identity of the QEMU the intents were sent to, when one was recorded
 * @param syncedBefore the last status said this generation of the spec was reached
 * @param link the NIC link state this QEMU acknowledged ({@code set_link}); empty: never set, so up
 *     (QEMU starts every NIC with its link up)
 */
public record PriorIntent(
    OptionalLong balloonTarget,
    Optional<Instant> powerdownSince,
    Optional<String> qemu,
    boolean syncedBefore,
    Optional<LinkState> link) {

  public PriorIntent(
      OptionalLong balloonTarget,
      Optional<Instant> powerdownSince,
      Optional<String> qemu,
      boolean syncedBefore) {
    this(balloonTarget, powerdownSince, qemu, syncedBefore, Optional.empty());
  }

  public PriorIntent(OptionalLong balloonTarget, Optional<Instant> powerdownSince) {
    this(balloonTarget, powerdownSince, Optional.empty(), false);
  }

  /** The link state of this QEMU's NIC: the last one it acknowledged, up when never set. */
  public LinkState linkState() {
    return link.orElse(LinkState.Up);
  }

  public static PriorIntent none() {
    return new PriorIntent(OptionalLong.empty(), Optional.empty());
  }
}
