package io.qemuoperator.operator.reconcile;

import io.fabric8.kubernetes.api.model.Pod;
import io.qemuoperator.api.v1alpha1.spec.LinkState;
import io.qemuoperator.operator.plan.Plan;
import io.qemuoperator.operator.plan.QmpAction;
import io.qemuoperator.operator.sidecar.SidecarException;
import io.qemuoperator.operator.sidecar.VmSnapshot;
import io.qemuoperator.operator.validation.Violation;
import io.qemuoperator.sidecar.api.ImportProgress;
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
 * @param machine the versioned machine type QEMU runs, when read this pass (QOM {@code /machine})
 * @param link the NIC link state this QEMU acknowledged (intent, kept in status); empty: never set
 * @param importProgress how far the disk import is, when the pod's importer answered this pass
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
    Optional<Instant> powerdownSince,
    Optional<String> machine,
    Optional<LinkState> link,
    Optional<ImportProgress> importProgress) {

  public Observation {
    violations = List.copyOf(violations);
    done = List.copyOf(done);
  }

  /** A pass that did not read QEMU: what it saw of the spec and the pod, and what it did. */
  private static Observation withoutQemu(
      List<Violation> violations,
      Optional<Pod> pod,
      Optional<SidecarException> error,
      List<QmpAction> done,
      Optional<FailedAction> failed,
      Optional<Instant> powerdownSince) {
    return new Observation(
        violations,
        pod,
        Optional.empty(),
        error,
        new Plan(List.of(), List.of(), Optional.empty()),
        done,
        failed,
        OptionalLong.empty(),
        powerdownSince,
        Optional.empty(),
        Optional.empty(),
        Optional.empty());
  }

  /** This observation with the importer's progress read. */
  public Observation withImportProgress(Optional<ImportProgress> progress) {
    return new Observation(
        violations,
        pod,
        snapshot,
        sidecarError,
        plan,
        done,
        failed,
        balloonTarget,
        powerdownSince,
        machine,
        link,
        progress);
  }

  /** The spec broke these rules; nothing else was looked at. */
  public static Observation invalid(List<Violation> violations) {
    return withoutQemu(
        violations,
        Optional.empty(),
        Optional.empty(),
        List.of(),
        Optional.empty(),
        Optional.empty());
  }

  /** QEMU was not reached: the pod (if any) is not running yet, or the sidecar failed. */
  public static Observation notReached(Optional<Pod> pod, Optional<SidecarException> error) {
    return withoutQemu(List.of(), pod, error, List.of(), Optional.empty(), Optional.empty());
  }

  /** QEMU was quit and its pod deleted after {@code done}. */
  public static Observation quit(List<QmpAction> done, Optional<FailedAction> failed) {
    return withoutQemu(
        List.of(), Optional.empty(), Optional.empty(), done, failed, Optional.empty());
  }

  /** The guest was asked to power down at {@code since}. */
  public static Observation poweringDown(Instant since) {
    return withoutQemu(
        List.of(),
        Optional.empty(),
        Optional.empty(),
        List.of(),
        Optional.empty(),
        Optional.of(since));
  }

  /** An action QEMU (or the sidecar) refused. */
  public record FailedAction(QmpAction action, SidecarException error) {}
}
