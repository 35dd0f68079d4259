package io.qemuoperator.operator.migration;

import io.fabric8.kubernetes.api.model.Pod;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.api.v1alpha1.QemuVMMigration;
import io.qemuoperator.api.v1alpha1.spec.MigrationPolicy;
import io.qemuoperator.api.v1alpha1.status.MigrationPhase;
import io.qemuoperator.operator.plan.Quantities;
import io.qemuoperator.operator.plan.SpecReader;
import io.qemuoperator.operator.sidecar.SidecarEndpoint;
import io.qemuoperator.operator.sidecar.SidecarException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code Pending}: refuses what cannot migrate (no such VM, not running, another migration of it, a
 * disk no second pod may open); otherwise records the plan, issues the migration's certificates and
 * creates the target pod ({@link MigrationTargetPod}).
 */
final class MigrationStart {
  private static final Logger log = LoggerFactory.getLogger(MigrationStart.class);

  private final MigrationContext ctx;

  MigrationStart(MigrationContext ctx) {
    this.ctx = ctx;
  }

  Optional<Duration> start(Request request, Optional<QemuVM> found) {
    if (found.isEmpty()) {
      return refuse(request, "VmNotFound", "there is no QemuVM " + request.vmName());
    }
    QemuVM vm = found.get();
    if (vm.isMarkedForDeletion()) {
      return refuse(request, "VmDeleting", "the QemuVM is being deleted");
    }
    if (!SpecReader.desiredOrDefaults(vm).running()) {
      return refuse(request, "VmNotRunning", "the QemuVM's spec.running is false");
    }
    Optional<QemuVMMigration> other = otherActive(request);
    if (other.isPresent()) {
      return refuse(
          request,
          "MigrationActive",
          "QemuVMMigration "
              + other.get().getMetadata().getName()
              + " is already migrating this VM; one migration at a time");
    }
    Optional<Pod> source = MigrationPods.vmPod(request.client(), vm);
    Optional<SidecarEndpoint> endpoint = source.flatMap(p -> ctx.endpoint(request, p));
    if (endpoint.isEmpty()) {
      return refuse(request, "VmNotRunning", "the VM's pod is not running");
    }
    String runState;
    try {
      runState = ctx.sidecar().state(endpoint.get()).runState();
    } catch (SidecarException e) {
      return refuse(
          request, "SidecarUnreachable", "the VM's sidecar did not answer: " + e.getMessage());
    }
    if (!runState.equals("running") && !runState.equals("paused")) {
      return refuse(
          request,
          "VmNotRunning",
          "QEMU is in run state '" + runState + "'; only a running or paused guest migrates");
    }
    MigrationTuning tuning = MigrationTuning.of(vm);
    Optional<String> singlePodClaim =
        MigrationClaims.withMode(request.client(), vm, "ReadWriteOncePod");
    if (singlePodClaim.isPresent()) {
      return refuse(
          request,
          "DiskNotShareable",
          "claim "
              + singlePodClaim.get()
              + " is ReadWriteOncePod: the target pod cannot open it while the source runs, and"
              + " copying a disk during the migration is not supported");
    }
    if (tuning.policy() == MigrationPolicy.PreCopy && !MigrationTuning.underKvm(vm)) {
      ctx.events(request)
          .warning(
              vm,
              "PreCopyUnderTcg",
              "QemuVMMigration "
                  + request.name()
                  + ": spec.migration.policy PreCopy for a guest running under TCG; QEMU 7.2 has"
                  + " corrupted such guests (see the README): StopAndCopy (or Auto) is safe");
    }
    Optional<String> nodeLocalClaim = MigrationClaims.readWriteOnce(request.client(), vm);
    Pod target =
        MigrationTargetPod.of(source.get(), request.migration(), nodeLocalClaim.isPresent());
    Instant now = ctx.clock().instant();
    request.write(
        request
            .status()
            .setPhase(MigrationPhase.TargetStarting)
            .setReason("TargetStarting")
            .setMessage(
                "starting pod "
                    + target.getMetadata().getName()
                    + nodeLocalClaim
                        .map(
                            claim -> " on the source's node (claim " + claim + " is ReadWriteOnce)")
                        .orElse(" away from the source's node when another one fits"))
            .setSourcePod(source.get().getMetadata().getName())
            .setSourceNode(source.get().getSpec().getNodeName())
            .setTargetPod(target.getMetadata().getName())
            .setPolicy(tuning.policy().name())
            .setAutoConverge(tuning.autoConverge())
            .setDeadline(now.plus(tuning.completionTimeout()).toString()));
    createTls(request, tuning);
    request.createIfAbsent(target);
    ctx.events(request)
        .normal(
            vm,
            "MigrationStarted",
            "QemuVMMigration "
                + request.name()
                + ": moving the guest from pod "
                + source.get().getMetadata().getName()
                + " to pod "
                + target.getMetadata().getName()
                + " over TLS ("
                + tuning.policy()
                + ", cap "
                + Quantities.format(tuning.maxBandwidth())
                + "/s, downtime "
                + tuning.maxDowntimeMs()
                + " ms)");
    return Optional.of(MigrationContext.STARTING_POLL);
  }

  Optional<Duration> refuse(Request request, String reason, String message) {
    request.write(
        request
            .status()
            .setPhase(MigrationPhase.Refused)
            .setReason(reason)
            .setMessage(message)
            .setCompletionTime(ctx.clock().instant().toString()));
    ctx.events(request).warning(request.migration(), reason, message);
    log.info("{}/{}: refused: {}", request.namespace(), request.name(), message);
    return Optional.empty();
  }

  /**
   * The migration's own certificates, in a Secret the request owns (kept while it runs: a restarted
   * operator hands the sidecars the same ones); valid an hour beyond the migration's deadline.
   */
  void createTls(Request request, MigrationTuning tuning) {
    var issued =
        ctx.certificates()
            .issue(
                request.status().getTargetPod(),
                ctx.clock().instant(),
                tuning.completionTimeout().plus(Duration.ofHours(1)));
    MigrationTlsSecret.create(request, issued);
  }

  /** Another request for the same VM that is not final and came first. */
  private static Optional<QemuVMMigration> otherActive(Request request) {
    return request
        .client()
        .resources(QemuVMMigration.class)
        .inNamespace(request.namespace())
        .list()
        .getItems()
        .stream()
        .filter(m -> !m.getMetadata().getUid().equals(request.migration().getMetadata().getUid()))
        .filter(m -> request.vmName().equals(m.getSpec().getVmName()))
        .filter(
            m ->
                m.getStatus() == null
                    ? isOlder(m, request.migration())
                    : m.getStatus().getPhase() != null
                        && !m.getStatus().getPhase().isFinal()
                        && m.getStatus().getPhase() != MigrationPhase.Pending)
        .findFirst();
  }

  private static boolean isOlder(QemuVMMigration a, QemuVMMigration b) {
    String first = a.getMetadata().getCreationTimestamp();
    String second = b.getMetadata().getCreationTimestamp();
    int byTime = first == null || second == null ? 0 : first.compareTo(second);
    return byTime < 0
        || (byTime == 0 && a.getMetadata().getName().compareTo(b.getMetadata().getName()) < 0);
  }
}
