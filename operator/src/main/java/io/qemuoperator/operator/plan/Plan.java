package io.qemuoperator.operator.plan;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The planner's answer: QMP actions in the order to send them, what blocks the rest of the spec,
 * when to look again though nothing changes (a guest shutting down), whether the running QEMU is to
 * be replaced (its actions are then the power-down sequence), and whether the actions put back what
 * was changed behind the operator's back.
 */
public record Plan(
    List<QmpAction> actions,
    List<Blocker> blockers,
    Optional<Duration> recheckAfter,
    Optional<Restart> restart,
    Cause cause) {

  /** Why the actions are needed. */
  public enum Cause {
    /** The spec asks for something QEMU does not have yet. */
    SPEC,
    /** QEMU reached the spec before and was changed behind the operator's back. */
    DRIFT,
    /** A new QEMU process (crashed and restarted): it remembers nothing it was told. */
    QEMU_RESTARTED
  }

  public Plan {
    actions = List.copyOf(actions);
    blockers = List.copyOf(blockers);
  }

  public Plan(List<QmpAction> actions, List<Blocker> blockers, Optional<Duration> recheckAfter) {
    this(actions, blockers, recheckAfter, Optional.empty(), Cause.SPEC);
  }

  /** True when this plan ends the running QEMU to start a new one. */
  public boolean restarting() {
    return restart.isPresent() && restart.get().now();
  }

  /** True when QEMU is already as the spec says. */
  public boolean converged() {
    return actions.isEmpty() && blockers.isEmpty() && recheckAfter.isEmpty();
  }
}
