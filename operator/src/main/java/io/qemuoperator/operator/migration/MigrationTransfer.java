package io.qemuoperator.operator.migration;

import io.fabric8.kubernetes.api.model.Pod;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.api.v1alpha1.spec.MigrationPolicy;
import io.qemuoperator.api.v1alpha1.status.MigrationPhase;
import io.qemuoperator.api.v1alpha1.status.MigrationProgress;
import io.qemuoperator.api.v1alpha1.status.QemuVMMigrationStatus;
import io.qemuoperator.operator.plan.Quantities;
import io.qemuoperator.operator.sidecar.SidecarEndpoint;
import io.qemuoperator.operator.sidecar.SidecarException;
import io.qemuoperator.qmp.types.MigrateSetDowntimeArguments;
import io.qemuoperator.qmp.types.MigrateSetSpeedArguments;
import io.qemuoperator.sidecar.api.IncomingMigration;
import io.qemuoperator.sidecar.api.MigrationInfo;
import io.qemuoperator.sidecar.api.OutgoingMigration;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code TargetStarting} and {@code Transferring}: once the target's QEMU waits ({@code
 * inmigrate}), the target listens and the source sends (capabilities, the VM's cap and downtime,
 * TLS; with StopAndCopy the source paused first); then QEMU's figures into status, the spec's cap
 * and downtime applied live, the deadline, a lost target, and the end QEMU reports.
 */
final class MigrationTransfer {
  private static final Logger log = LoggerFactory.getLogger(MigrationTransfer.class);

  private final MigrationContext ctx;
  private final MigrationStart start;
  private final MigrationEnd end;

  MigrationTransfer(MigrationContext ctx, MigrationStart start, MigrationEnd end) {
    this.ctx = ctx;
    this.start = start;
    this.end = end;
  }

  Optional<Duration> startTransfer(Request request, Optional<QemuVM> vm) {
    if (vm.isEmpty()) {
      return end.abort(request, vm, MigrationPhase.Failed, "VmNotFound", "the QemuVM is gone");
    }
    if (ctx.pastDeadline(request)) {
      return end.abort(
          request,
          vm,
          MigrationPhase.Cancelled,
          "DeadlineExceeded",
          "the target pod did not start before the deadline " + request.status().getDeadline());
    }
    Pod target = MigrationPods.pod(request, request.status().getTargetPod()).orElse(null);
    if (target == null) {
      Optional<Pod> source = MigrationPods.pod(request, request.status().getSourcePod());
      if (source.isEmpty()) {
        return end.abort(request, vm, MigrationPhase.Failed, "SourceLost", "the VM's pod is gone");
      }
      request.createIfAbsent(
          MigrationTargetPod.of(
              source.get(),
              request.migration(),
              MigrationClaims.readWriteOnce(request.client(), vm.get()).isPresent()));
      return Optional.of(MigrationContext.STARTING_POLL);
    }
    Optional<String> failed = MigrationPods.failure(target);
    if (failed.isPresent()) {
      return end.abort(request, vm, MigrationPhase.Failed, "TargetFailed", failed.get());
    }
    Optional<SidecarEndpoint> targetEndpoint = ctx.endpoint(request, target);
    if (targetEndpoint.isEmpty()) {
      // waits until the deadline; status says why when the scheduler has found no node
      MigrationPods.unschedulable(target)
          .filter(
              why ->
                  !("TargetUnschedulable".equals(request.status().getReason())
                      && why.equals(request.status().getMessage())))
          .ifPresent(
              why ->
                  request.write(request.status().setReason("TargetUnschedulable").setMessage(why)));
      return Optional.of(MigrationContext.STARTING_POLL);
    }
    String targetState;
    try {
      targetState = ctx.sidecar().state(targetEndpoint.get()).runState();
    } catch (SidecarException e) {
      return Optional.of(MigrationContext.STARTING_POLL); // QEMU or the sidecar still starting
    }
    if (!targetState.equals("inmigrate")) {
      return end.abort(
          request,
          vm,
          MigrationPhase.Failed,
          "TargetNotIncoming",
          "the target's QEMU is in run state '" + targetState + "', not waiting for the guest");
    }
    Optional<SidecarEndpoint> sourceEndpoint =
        MigrationPods.pod(request, request.status().getSourcePod())
            .flatMap(p -> ctx.endpoint(request, p));
    if (sourceEndpoint.isEmpty()) {
      return end.abort(
          request, vm, MigrationPhase.Failed, "SourceLost", "the VM's pod is not running");
    }
    Optional<MigrationCertificates.Issued> tls = MigrationTlsSecret.read(request);
    if (tls.isEmpty()) {
      start.createTls(request, MigrationTuning.of(vm.get()));
      return Optional.of(MigrationContext.STARTING_POLL);
    }
    String sourceState;
    try {
      sourceState = ctx.sidecar().state(sourceEndpoint.get()).runState();
      ctx.sidecar()
          .migrateIncoming(
              targetEndpoint.get(),
              new IncomingMigration(
                  target.getStatus().getPodIP(),
                  MigrationTargetPod.MIGRATION_PORT,
                  tls.get().incoming()));
    } catch (SidecarException e) {
      return end.abort(request, vm, MigrationPhase.Failed, "IncomingRefused", e.getMessage());
    }
    MigrationTuning tuning = MigrationTuning.of(vm.get());
    boolean pauseFirst =
        MigrationPolicy.StopAndCopy.name().equals(request.status().getPolicy())
            && sourceState.equals("running");
    // intent before the irreversible step: a restarted operator knows the source was paused by us
    request.write(
        request
            .status()
            .setPhase(MigrationPhase.Transferring)
            .setReason("Transferring")
            .setMessage(
                "sending the guest to pod "
                    + target.getMetadata().getName()
                    + (pauseFirst ? " (guest paused: StopAndCopy)" : ""))
            .setTargetNode(target.getSpec().getNodeName())
            .setSourcePaused(pauseFirst)
            .setMaxBandwidth(tuning.maxBandwidth())
            .setMaxDowntimeMs(tuning.maxDowntimeMs())
            .setStartTime(ctx.clock().instant().toString()));
    return send(request, vm, sourceEndpoint.get(), target, tuning);
  }

  Optional<Duration> send(
      Request request,
      Optional<QemuVM> vm,
      SidecarEndpoint source,
      Pod target,
      MigrationTuning tuning) {
    Optional<MigrationCertificates.Issued> tls = MigrationTlsSecret.read(request);
    if (tls.isEmpty()) {
      return end.abort(
          request,
          vm,
          MigrationPhase.Failed,
          "TlsSecretLost",
          "the Secret " + MigrationTlsSecret.name(request.migration()) + " is gone");
    }
    try {
      MigrationInfo info =
          ctx.sidecar()
              .migrateOutgoing(
                  source,
                  new OutgoingMigration(
                      target.getStatus().getPodIP(),
                      MigrationTargetPod.MIGRATION_PORT,
                      request.status().getMaxBandwidth(),
                      request.status().getMaxDowntimeMs(),
                      Boolean.TRUE.equals(request.status().getAutoConverge()),
                      Boolean.TRUE.equals(request.status().getSourcePaused()),
                      tls.get().outgoing()));
      request.write(request.status().setProgress(MigrationFigures.progress(info)));
    } catch (SidecarException e) {
      return end.abort(
          request,
          vm,
          MigrationPhase.Failed,
          "MigrateRefused",
          "QEMU refused to migrate: " + e.getMessage());
    }
    log.info(
        "{}/{}: transfer to {} began ({}, cap {} B/s)",
        request.namespace(),
        request.name(),
        target.getMetadata().getName(),
        request.status().getPolicy(),
        tuning.maxBandwidth());
    return Optional.of(transferPoll(request));
  }

  private static Duration transferPoll(Request request) {
    return Boolean.TRUE.equals(request.status().getSourcePaused())
        ? MigrationContext.PAUSED_TRANSFER_POLL
        : MigrationContext.TRANSFER_POLL;
  }

  Optional<Duration> followTransfer(Request request, Optional<QemuVM> vm) {
    Optional<Pod> sourcePod = MigrationPods.pod(request, request.status().getSourcePod());
    Optional<SidecarEndpoint> source = sourcePod.flatMap(p -> ctx.endpoint(request, p));
    if (source.isEmpty()) {
      return end.abort(
          request, vm, MigrationPhase.Failed, "SourceLost", "the VM's pod is not running");
    }
    MigrationInfo info;
    try {
      info = ctx.sidecar().migration(source.get());
    } catch (SidecarException e) {
      log.debug("{}/{}: migration not readable: {}", request.namespace(), request.name(), e);
      return Optional.of(MigrationContext.TRANSFER_POLL);
    }
    Optional<Pod> target = MigrationPods.pod(request, request.status().getTargetPod());
    switch (info.status()) {
      case MigrationInfo.COMPLETED -> {
        return end.completed(request, vm, info, "QEMU completed; the target takes over");
      }
      case MigrationInfo.FAILED -> {
        return end.abort(
            request,
            vm,
            MigrationPhase.Failed,
            "MigrationFailed",
            "QEMU: " + (info.errorDesc() == null ? "the migration failed" : info.errorDesc()));
      }
      case MigrationInfo.CANCELLED -> {
        return end.abort(
            request, vm, MigrationPhase.Cancelled, "MigrationCancelled", "QEMU cancelled it");
      }
      case MigrationInfo.NONE -> {
        // the operator stopped between recording the transfer and sending it: send it now
        if (target.isEmpty() || vm.isEmpty()) {
          return end.abort(
              request, vm, MigrationPhase.Failed, "TargetLost", "the target pod is gone");
        }
        return send(request, vm, source.get(), target.get(), MigrationTuning.of(vm.get()));
      }
      default -> {}
    }
    if (ctx.pastDeadline(request)) {
      return end.abort(
          request,
          vm,
          MigrationPhase.Cancelled,
          "DeadlineExceeded",
          "not completed before the deadline "
              + request.status().getDeadline()
              + " (spec.migration.completionTimeout): "
              + MigrationFigures.describe(info));
    }
    if (target.isEmpty() || MigrationPods.failure(target.get()).isPresent()) {
      return end.abort(
          request,
          vm,
          MigrationPhase.Failed,
          "TargetLost",
          "the target pod "
              + target.flatMap(MigrationPods::failure).orElse("is gone")
              + " during the transfer");
    }
    vm.ifPresent(found -> tuneLive(request, found, source.get()));
    MigrationProgress progress = MigrationFigures.progress(info);
    if (!progress.equals(request.status().getProgress())) {
      request.write(request.status().setProgress(progress));
    }
    return Optional.of(transferPoll(request));
  }

  /** The spec's bandwidth cap and tolerated downtime, applied to the running migration. */
  private void tuneLive(Request request, QemuVM vm, SidecarEndpoint source) {
    MigrationTuning tuning = MigrationTuning.of(vm);
    QemuVMMigrationStatus status = request.status();
    try {
      if (status.getMaxBandwidth() == null || tuning.maxBandwidth() != status.getMaxBandwidth()) {
        ctx.sidecar()
            .command(
                source, "migrate_set_speed", new MigrateSetSpeedArguments(tuning.maxBandwidth()));
        status.setMaxBandwidth(tuning.maxBandwidth());
        ctx.events(request)
            .normal(
                vm,
                "MigrationTuned",
                "QemuVMMigration "
                    + request.name()
                    + ": bandwidth cap "
                    + Quantities.format(tuning.maxBandwidth())
                    + "/s applied to the running migration");
      }
      if (status.getMaxDowntimeMs() == null
          || tuning.maxDowntimeMs() != status.getMaxDowntimeMs()) {
        ctx.sidecar()
            .command(
                source,
                "migrate_set_downtime",
                new MigrateSetDowntimeArguments(tuning.maxDowntimeMs() / 1000.0));
        status.setMaxDowntimeMs(tuning.maxDowntimeMs());
        ctx.events(request)
            .normal(
                vm,
                "MigrationTuned",
                "QemuVMMigration "
                    + request.name()
                    + ": tolerated downtime "
                    + tuning.maxDowntimeMs()
                    + " ms applied to the running migration");
      }
    } catch (SidecarException e) {
      ctx.events(request)
          .warning(vm, "QmpError", "live migration tuning failed: " + e.getMessage());
    }
  }
}
