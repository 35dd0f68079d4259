package io.qemuoperator.operator.plan;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The planner's answer: QMP actions in the order to send them, what blocks the rest of the spec,
 * and when to look again though nothing changes (a guest shutting down).
 */
public record Plan(
    List<QmpAction> actions, List<Blocker> blockers, Optional<Duration> recheckAfter) {

  public Plan {
    actions = List.copyOf(actions);
    blockers = List.copyOf(blockers);
  }

  /** True when QEMU is already as the spec says. */
  public boolean converged() {
    return actions.isEmpty() && blockers.isEmpty() && recheckAfter.isEmpty();
  }
}
