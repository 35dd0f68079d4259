package io.qemuoperator.operator.reconcile;

import io.fabric8.kubernetes.api.model.Pod;
import io.qemuoperator.operator.plan.Plan;
import io.qemuoperator.operator.plan.QmpAction;
import io.qemuoperator.operator.sidecar.SidecarException;
import io.qemuoperator.operator.sidecar.VmSnapshot;
import io.qemuoperator.operator.validation.Violation;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Everything one reconcile pass saw and did, from which the status is built.
 *
 * @param violations the spec's rule violations (nothing else is done when there are any)
 * @param pod the VM's pod, when it exists
 * @param snapshot QEMU's state read through the sidecar (after the actions, when any ran)
 * @param sidecarError why the sidecar could not be read
 * @param plan what the planner asked for (empty when QEMU was not reached)
 * @param done the actions QEMU accepted, in order
 * @param failed the action QEMU refused and its error, when one did (the rest were not sent)
 * @param balloonTarget the balloon target sent to this QEMU (intent, kept in status)
 * @param powerdownSince when the guest was asked to power down
 */
public record Observation(
    List<Violation> violations,
    Optional<Pod> pod,
    Optional<VmSnapshot> snapshot,
    Optional<SidecarException> sidecarError,
    Plan plan,
    List<QmpAction> done,
    Optional<FailedAction> failed,
    OptionalLong balloonTarget,
    Optional<Instant> powerdownSince) {

  public Observation {
    violations = List.copyOf(violations);
    done = List.copyOf(done);
  }

  /** Nothing observed yet: the starting point of the factories below. */
  private static Observation none() {
    return new Observation(
        List.of(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        new Plan(List.of(), List.of(), Optional.empty()),
        List.of(),
        Optional.empty(),
        OptionalLong.empty(),
        Optional.empty());
  }

  /** The spec broke these rules; nothing else was looked at. */
  public static Observation invalid(List<Violation> violations) {
    Observation none = none();
    return new Observation(
        violations,
        none.pod,
        none.snapshot,
        none.sidecarError,
        none.plan,
        none.done,
        none.failed,
        none.balloonTarget,
        none.powerdownSince);
  }

  /** QEMU was not reached: the pod (if any) is not running yet, or the sidecar failed. */
  public static Observation notReached(Optional<Pod> pod, Optional<SidecarException> error) {
    Observation none = none();
    return new Observation(
        none.violations,
        pod,
        none.snapshot,
        error,
        none.plan,
        none.done,
        none.failed,
        none.balloonTarget,
        none.powerdownSince);
  }

  /** QEMU was quit and its pod deleted after {@code done}. */
  public static Observation quit(List<QmpAction> done, Optional<FailedAction> failed) {
    Observation none = none();
    return new Observation(
        none.violations,
        none.pod,
        none.snapshot,
        none.sidecarError,
        none.plan,
        done,
        failed,
        none.balloonTarget,
        none.powerdownSince);
  }

  /** The guest was asked to power down at {@code since}. */
  public static Observation poweringDown(Instant since) {
    Observation none = none();
    return new Observation(
        none.violations,
        none.pod,
        none.snapshot,
        none.sidecarError,
        none.plan,
        none.done,
        none.failed,
        none.balloonTarget,
        Optional.of(since));
  }

  /** An action QEMU (or the sidecar) refused. */
  public record FailedAction(QmpAction action, SidecarException error) {}
}
