package io.qemuoperator.operator.migration;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.operator.OperatorConfig;
import io.qemuoperator.operator.pod.TokenSecret;
import io.qemuoperator.operator.reconcile.EventCounts;
import io.qemuoperator.operator.reconcile.VmEvents;
import io.qemuoperator.operator.sidecar.Sidecar;
import io.qemuoperator.operator.sidecar.SidecarEndpoint;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * What every step of a migration works with: the sidecars, the clock, the certificate issuer, the
 * Events, and how often a step looks again.
 */
final class MigrationContext {
  static final Duration STARTING_POLL = Duration.ofMillis(500);
  static final Duration TRANSFER_POLL = Duration.ofSeconds(1);

  /**
   * How often a StopAndCopy transfer is looked at: the guest stands still until the hand-over, so
   * the poll's delay is the guest's.
   */
  static final Duration PAUSED_TRANSFER_POLL = Duration.ofMillis(100);

  static final Duration HAND_OVER_POLL = Duration.ofMillis(200);

  /** How long a cancel may take to settle before the pass looks again (QEMU: ~10 ms). */
  static final Duration CANCEL_SETTLE = Duration.ofSeconds(5);

  private final OperatorConfig config;
  private final Sidecar sidecar;
  private final Clock clock;
  private final MigrationCertificates certificates;
  private final EventCounts eventCounts = new EventCounts();

  MigrationContext(
      OperatorConfig config, Sidecar sidecar, Clock clock, MigrationCertificates certificates) {
    this.config = config;
    this.sidecar = sidecar;
    this.clock = clock;
    this.certificates = certificates;
  }

  Sidecar sidecar() {
    return sidecar;
  }

  Clock clock() {
    return clock;
  }

  MigrationCertificates certificates() {
    return certificates;
  }

  /** The QemuVM the request names; empty when there is none. */
  Optional<QemuVM> vm(Request request) {
    return Optional.ofNullable(
        request
            .client()
            .resources(QemuVM.class)
            .inNamespace(request.namespace())
            .withName(request.vmName())
            .get());
  }

  /** Whether the request's deadline ({@code status.deadline}) has passed. */
  boolean pastDeadline(Request request) {
    String deadline = request.status().getDeadline();
    return deadline != null && clock.instant().isAfter(Instant.parse(deadline));
  }

  /** The sidecar of a running pod, with the VM's token. */
  Optional<SidecarEndpoint> endpoint(Request request, Pod pod) {
    if (pod.isMarkedForDeletion()
        || pod.getStatus() == null
        || !"Running".equals(pod.getStatus().getPhase())
        || pod.getStatus().getPodIP() == null) {
      return Optional.empty();
    }
    Optional<Secret> secret = request.tokenSecret();
    if (secret.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        SidecarEndpoint.of(
            pod.getStatus().getPodIP(), config.sidecarPort(), TokenSecret.token(secret.get())));
  }

  /** Events on the VM and the request, counted as the VM reconciler counts its own. */
  VmEvents events(Request request) {
    return new VmEvents(request.client(), clock, eventCounts);
  }
}
