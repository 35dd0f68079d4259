package io.qemuoperator.operator.migration;

import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.MaxReconciliationInterval;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.api.v1alpha1.QemuVMMigration;
import io.qemuoperator.api.v1alpha1.status.MigrationPhase;
import io.qemuoperator.operator.OperatorConfig;
import io.qemuoperator.operator.sidecar.Sidecar;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Carries out one QemuVMMigration, a phase per step, each step safe to run again: a restarted
 * operator reads the phase, the pods and the intent from the request's status and QEMU's own {@code
 * query-migrate}, and finishes or cleans up what it started.
 *
 * <ol>
 *   <li>{@code Pending} → refuse what cannot migrate (no such VM, not running, another migration of
 *       it running); record the plan; create the target pod ({@link MigrationTargetPod}).
 *   <li>{@code TargetStarting} → once the target's QEMU waits ({@code inmigrate}): the target
 *       listens, then the source sends ({@code events}, {@code return-path}, the VM's bandwidth cap
 *       and tolerated downtime; with StopAndCopy the source paused first).
 *   <li>{@code Transferring} → QEMU's figures into status every second; the spec's bandwidth and
 *       downtime applied live when they change; cancelled at the deadline or when the target pod is
 *       lost.
 *   <li>{@code HandingOver} → the target runs (continued if the migration paused the guest); the
 *       source QEMU quits and its pod is removed; the VM's recorded intent moves to the new QEMU
 *       (which got the balloon target and link state with the device state: nothing is sent again);
 *       the target pod becomes the VM's pod.
 * </ol>
 *
 * On failure or cancel (the request deleted, its deadline, QEMU's error) the source runs on
 * (continued if the migration paused it, or if QEMU left it {@code postmigrate}) and the target pod
 * is removed; an Event on the VM and on the request says why. While a request is not final, the
 * QemuVM's own reconciler leaves the VM alone. The steps live in {@link MigrationStart}, {@link
 * MigrationTransfer} and {@link MigrationEnd}; this class only dispatches by phase.
 */
@ControllerConfiguration(
    name = QemuVMMigrationReconciler.NAME,
    maxReconciliationInterval =
        @MaxReconciliationInterval(interval = 1, timeUnit = TimeUnit.MINUTES))
public final class QemuVMMigrationReconciler
    implements Reconciler<QemuVMMigration>, Cleaner<QemuVMMigration> {
  public static final String NAME = "qemuvmmigration";

  private final MigrationContext ctx;
  private final MigrationStart start;
  private final MigrationTransfer transfer;
  private final MigrationEnd end;

  public QemuVMMigrationReconciler(OperatorConfig config, Sidecar sidecar, Clock clock) {
    this.ctx =
        new MigrationContext(
            config, sidecar, clock, new MigrationCertificates(new java.security.SecureRandom()));
    this.start = new MigrationStart(ctx);
    this.end = new MigrationEnd(ctx);
    this.transfer = new MigrationTransfer(ctx, start, end);
  }

  @Override
  public UpdateControl<QemuVMMigration> reconcile(
      QemuVMMigration cached, Context<QemuVMMigration> context) {
    var request = Request.read(context.getClient(), cached);
    if (request.isEmpty() || request.get().phase().isFinal()) {
      return UpdateControl.noUpdate();
    }
    Optional<Duration> again = step(request.get());
    UpdateControl<QemuVMMigration> control = UpdateControl.noUpdate();
    return again.map(control::rescheduleAfter).orElse(control);
  }

  /** Deleting a request that runs cancels it; one handing over is finished first. */
  @Override
  public DeleteControl cleanup(QemuVMMigration cached, Context<QemuVMMigration> context) {
    var found = Request.read(context.getClient(), cached);
    if (found.isEmpty()) {
      return DeleteControl.defaultDelete();
    }
    Request request = found.get();
    switch (request.phase()) {
      case Pending, Completed, Failed, Cancelled, Refused -> {
        return DeleteControl.defaultDelete();
      }
      case HandingOver -> {
        Optional<Duration> again = end.handOver(request, ctx.vm(request));
        return again.isEmpty() || request.phase().isFinal()
            ? DeleteControl.defaultDelete()
            : DeleteControl.noFinalizerRemoval().rescheduleAfter(again.get().toMillis());
      }
      case TargetStarting, Transferring -> {
        Optional<Duration> again =
            end.abort(
                request,
                ctx.vm(request),
                MigrationPhase.Cancelled,
                "RequestDeleted",
                "the QemuVMMigration was deleted");
        return request.phase().isFinal()
            ? DeleteControl.defaultDelete()
            : DeleteControl.noFinalizerRemoval()
                .rescheduleAfter(again.orElse(MigrationContext.STARTING_POLL).toMillis());
      }
    }
    return DeleteControl.defaultDelete();
  }

  private Optional<Duration> step(Request request) {
    Optional<QemuVM> vm = ctx.vm(request);
    return switch (request.phase()) {
      case Pending -> start.start(request, vm);
      case TargetStarting -> transfer.startTransfer(request, vm);
      case Transferring -> transfer.followTransfer(request, vm);
      case HandingOver -> end.handOver(request, vm);
      case Completed, Failed, Cancelled, Refused -> Optional.empty();
    };
  }
}
