package io.qemuoperator.operator.reconcile;

import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.api.v1alpha1.spec.LinkState;
import io.qemuoperator.api.v1alpha1.status.Condition;
import io.qemuoperator.api.v1alpha1.status.IntentStatus;
import io.qemuoperator.api.v1alpha1.status.QemuVMStatus;
import io.qemuoperator.operator.plan.PriorIntent;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The one place the operator reads its own earlier intent back from a QemuVM's status ({@code
 * status.intent}, and whether the last status said the spec was reached), to hand it to the
 * planner. Everything else in status is output only.
 */
final class RecordedIntent {
  private RecordedIntent() {}

  /**
   * What was asked of the QEMU whose identity is {@code qemu}: the balloon target counts only for
   * that same process (a restarted QEMU remembers nothing it was told).
   */
  static PriorIntent prior(QemuVM vm, String qemu) {
    IntentStatus intent = intent(vm);
    Optional<String> recorded = Optional.ofNullable(intent.getQemu()).filter(s -> !s.isEmpty());
    boolean sameQemu = recorded.isPresent() && recorded.get().equals(qemu);
    return new PriorIntent(
        sameQemu && intent.getBalloonTarget() != null
            ? OptionalLong.of(intent.getBalloonTarget())
            : OptionalLong.empty(),
        powerdownSince(vm),
        recorded,
        syncedBefore(vm),
        sameQemu ? link(intent) : Optional.empty());
  }

  /** The link state recorded as acknowledged; empty when none (or not one of the enum's). */
  static Optional<LinkState> link(IntentStatus intent) {
    return java.util.Arrays.stream(LinkState.values())
        .filter(state -> state.name().equals(intent.getLink()))
        .findFirst();
  }

  /** When the guest was asked to power down, while it is shutting down. */
  static Optional<Instant> powerdownSince(QemuVM vm) {
    return Optional.ofNullable(intent(vm).getPowerdownRequestedAt()).map(Instant::parse);
  }

  /** The intent recorded in status; an empty one when there is none. */
  static IntentStatus intent(QemuVM vm) {
    QemuVMStatus status = vm.getStatus();
    return status == null || status.getIntent() == null ? new IntentStatus() : status.getIntent();
  }

  /** True when the last status said the current generation of the spec was reached. */
  private static boolean syncedBefore(QemuVM vm) {
    QemuVMStatus status = vm.getStatus();
    Long generation = vm.getMetadata().getGeneration();
    if (status == null
        || status.getConditions() == null
        || !Long.valueOf(generation == null ? 0 : generation)
            .equals(status.getObservedGeneration())) {
      return false;
    }
    return status.getConditions().stream()
        .anyMatch(
            c -> Conditions.SYNCED.equals(c.getType()) && Condition.TRUE.equals(c.getStatus()));
  }
}
