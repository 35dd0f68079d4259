package io.qemuoperator.operator.plan;

import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What the operator already asked of this QEMU, as recorded in the QemuVM's status before it acted
 * (intent is written before an irreversible action). It keeps the planner from sending again what
 * QEMU accepted but the guest does not act on, such as a balloon target with no balloon driver.
 *
 * @param balloonTarget the last balloon target sent to this QEMU instance
 * @param powerdownSince when {@code system_powerdown} was sent, while the guest is shutting down
 */
public record PriorIntent(OptionalLong balloonTarget, Optional<Instant> powerdownSince) {

  public static PriorIntent none() {
    return new PriorIntent(OptionalLong.empty(), Optional.empty());
  }
}
