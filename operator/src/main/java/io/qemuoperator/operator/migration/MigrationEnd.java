package io.qemuoperator.operator.migration;

import io.fabric8.kubernetes.api.model.Pod;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.api.v1alpha1.status.IntentStatus;
import io.qemuoperator.api.v1alpha1.status.MigrationPhase;
import io.qemuoperator.operator.sidecar.SidecarEndpoint;
import io.qemuoperator.operator.sidecar.SidecarException;
import io.qemuoperator.operator.sidecar.VmSnapshot;
import io.qemuoperator.sidecar.api.MigrationInfo;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a migration ends. Completed: the target runs ({@code cont}ed if the migration paused the
 * guest), the source QEMU quits and its pod goes, the VM's recorded intent moves to the new QEMU
 * (the balloon target and link state came with the device state: nothing is sent again), and the
 * target pod becomes the VM's. Failed or cancelled: the source runs on ({@code cont}ed if the
 * migration paused it or QEMU left it {@code postmigrate}), the target pod and the certificates go,
 * and an Event on the VM and the request says why.
 */
final class MigrationEnd {
  private static final Logger log = LoggerFactory.getLogger(MigrationEnd.class);

  private final MigrationContext ctx;

  MigrationEnd(MigrationContext ctx) {
    this.ctx = ctx;
  }

  /** QEMU completed: its final figures recorded, the hand-over begins. */
  Optional<Duration> completed(
      Request request, Optional<QemuVM> vm, MigrationInfo info, String message) {
    request.write(
        request
            .status()
            .setPhase(MigrationPhase.HandingOver)
            .setReason("HandingOver")
            .setMessage(message)
            .setProgress(MigrationFigures.progress(info))
            .setDowntimeMs(info.downtimeMs())
            .setTotalTimeMs(info.totalTimeMs()));
    return handOver(request, vm);
  }

  Optional<Duration> handOver(Request request, Optional<QemuVM> vm) {
    Optional<Pod> target = MigrationPods.pod(request, request.status().getTargetPod());
    Optional<SidecarEndpoint> targetEndpoint = target.flatMap(p -> ctx.endpoint(request, p));
    if (target.isEmpty() || MigrationPods.failure(target.get()).isPresent()) {
      // completed, then lost: the guest's only copy is the source's, paused in postmigrate
      return abort(
          request,
          vm,
          MigrationPhase.Failed,
          "TargetLost",
          "the target pod was lost right after the transfer; the source runs on");
    }
    if (targetEndpoint.isEmpty()) {
      return Optional.of(MigrationContext.HAND_OVER_POLL);
    }
    VmSnapshot targetState;
    try {
      targetState = ctx.sidecar().state(targetEndpoint.get());
      if (targetState.runState().equals("inmigrate")) {
        return Optional.of(MigrationContext.HAND_OVER_POLL); // still loading the device state
      }
      if (targetState.runState().equals("paused")
          && Boolean.TRUE.equals(request.status().getSourcePaused())) {
        ctx.sidecar().command(targetEndpoint.get(), "cont", null);
        targetState = targetState.withRunState("running");
        request
            .status()
            .setGuestPausedMs(
                Duration.between(
                        Instant.parse(request.status().getStartTime()), ctx.clock().instant())
                    .toMillis());
      }
    } catch (SidecarException e) {
      return Optional.of(MigrationContext.HAND_OVER_POLL);
    }
    Optional<Pod> source = MigrationPods.pod(request, request.status().getSourcePod());
    source
        .flatMap(p -> ctx.endpoint(request, p))
        .ifPresent(
            endpoint -> {
              try {
                ctx.sidecar().command(endpoint, "quit", null);
              } catch (SidecarException e) {
                log.debug("{}: quit of the source: {}", request.name(), e.getMessage());
              }
            });
    source.ifPresent(p -> request.client().resource(p).delete());
    if (vm.isPresent()) {
      recordNewQemu(request, vm.get(), targetState.qemuIdentity());
      MigrationPods.adopt(request, target.get(), vm.get());
    }
    MigrationTlsSecret.delete(request);
    Instant now = ctx.clock().instant();
    request.write(
        request
            .status()
            .setPhase(MigrationPhase.Completed)
            .setReason("Completed")
            .setMessage(
                "the guest runs in pod "
                    + target.get().getMetadata().getName()
                    + " (downtime "
                    + request.status().getDowntimeMs()
                    + " ms, transfer "
                    + request.status().getTotalTimeMs()
                    + " ms)")
            .setSourcePaused(false)
            .setCompletionTime(now.toString()));
    String message =
        "QemuVMMigration "
            + request.name()
            + ": the guest moved from pod "
            + request.status().getSourcePod()
            + " to pod "
            + target.get().getMetadata().getName()
            + " in "
            + request.status().getTotalTimeMs()
            + " ms, downtime "
            + request.status().getDowntimeMs()
            + " ms ("
            + request.status().getPolicy()
            + ")";
    vm.ifPresent(found -> ctx.events(request).normal(found, "Migrated", message));
    ctx.events(request).normal(request.migration(), "Migrated", message);
    log.info("{}/{}: {}", request.namespace(), request.name(), message);
    return Optional.empty();
  }

  /**
   * The VM's intent now belongs to the new QEMU: the balloon target and the link state came with
   * the device state, so nothing is sent to it again.
   */
  private static void recordNewQemu(Request request, QemuVM vm, String qemu) {
    request
        .client()
        .resources(QemuVM.class)
        .inNamespace(request.namespace())
        .withName(vm.getMetadata().getName())
        .editStatus(
            current -> {
              QemuVM copy = io.fabric8.kubernetes.client.utils.Serialization.clone(current);
              if (copy.getStatus() != null) {
                IntentStatus intent =
                    copy.getStatus().getIntent() == null
                        ? new IntentStatus()
                        : copy.getStatus().getIntent();
                intent.setQemu(qemu);
                copy.getStatus().setIntent(intent);
              }
              return copy;
            });
  }

  Optional<Duration> abort(
      Request request, Optional<QemuVM> vm, MigrationPhase phase, String reason, String message) {
    Optional<SidecarEndpoint> source =
        MigrationPods.pod(request, request.status().getSourcePod())
            .flatMap(p -> ctx.endpoint(request, p));
    if (source.isPresent()) {
      try {
        MigrationInfo info = settle(source.get());
        if (MigrationInfo.COMPLETED.equals(info.status())
            && request.phase() == MigrationPhase.Transferring
            && MigrationPods.pod(request, request.status().getTargetPod())
                .flatMap(p -> ctx.endpoint(request, p))
                .isPresent()) {
          // it completed as it was being cancelled: the target has the guest now
          return completed(
              request, vm, info, "QEMU completed before the cancel; the target takes over");
        }
        if (!info.finished()) {
          return Optional.of(MigrationContext.STARTING_POLL); // still cancelling
        }
        resumeSource(request, vm, source.get());
      } catch (SidecarException e) {
        log.info(
            "{}/{}: source not reachable while aborting: {}",
            request.namespace(),
            request.name(),
            e.getMessage());
      }
    }
    MigrationPods.pod(request, request.status().getTargetPod())
        .filter(p -> !MigrationPods.isOwnedBy(p, vm))
        .ifPresent(p -> request.client().resource(p).delete());
    MigrationTlsSecret.delete(request);
    request.write(
        request
            .status()
            .setPhase(phase)
            .setReason(reason)
            .setMessage(message + "; the guest runs on in pod " + request.status().getSourcePod())
            .setSourcePaused(false)
            .setCompletionTime(ctx.clock().instant().toString()));
    String text = "QemuVMMigration " + request.name() + " " + phase + ": " + message;
    vm.ifPresent(found -> ctx.events(request).warning(found, "Migration" + phase, text));
    ctx.events(request).warning(request.migration(), reason, message);
    log.info("{}/{}: {}", request.namespace(), request.name(), text);
    return Optional.empty();
  }

  /** Cancels a migration still running on the source and waits briefly for QEMU to settle. */
  private MigrationInfo settle(SidecarEndpoint source) throws SidecarException {
    MigrationInfo info = ctx.sidecar().migration(source);
    if (info.finished()) {
      return info;
    }
    ctx.sidecar().cancelMigration(source);
    Instant until = ctx.clock().instant().plus(MigrationContext.CANCEL_SETTLE);
    while (!info.finished() && ctx.clock().instant().isBefore(until)) {
      try {
        TimeUnit.MILLISECONDS.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return info;
      }
      info = ctx.sidecar().migration(source);
    }
    return info;
  }

  /**
   * The source guest runs again when the migration stopped it: paused for StopAndCopy, or left in
   * {@code postmigrate} by a target lost at the very end.
   */
  private void resumeSource(Request request, Optional<QemuVM> vm, SidecarEndpoint source)
      throws SidecarException {
    String state = ctx.sidecar().state(source).runState();
    boolean pausedByUs =
        state.equals("paused") && Boolean.TRUE.equals(request.status().getSourcePaused());
    if (pausedByUs || state.equals("postmigrate")) {
      ctx.sidecar().command(source, "cont", null);
      vm.ifPresent(
          found ->
              ctx.events(request)
                  .normal(
                      found,
                      "Resumed",
                      "QemuVMMigration "
                          + request.name()
                          + ": the source guest continued after the migration ended ("
                          + state
                          + ")"));
    }
  }
}
