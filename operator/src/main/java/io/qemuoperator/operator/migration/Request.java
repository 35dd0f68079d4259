package io.qemuoperator.operator.migration;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.qemuoperator.api.v1alpha1.QemuVMMigration;
import io.qemuoperator.api.v1alpha1.status.MigrationPhase;
import io.qemuoperator.api.v1alpha1.status.QemuVMMigrationStatus;
import io.qemuoperator.operator.pod.VmResources;
import java.util.Optional;

/**
 * One pass over a migration request, read from the API server itself (its status is the operator's
 * intent: a pass must see what the one before wrote, never an older cached copy), and its status
 * written back at once, step by step, each write carrying the resourceVersion it follows.
 */
final class Request {
  private final KubernetesClient client;
  private QemuVMMigration migration;
  private final QemuVMMigrationStatus status;
  // the VM's token Secret as this pass read it: read at most once per pass, however many sidecars
  // it talks to
  private Optional<Secret> tokenSecret;

  private Request(KubernetesClient client, QemuVMMigration migration) {
    this.client = client;
    this.migration = migration;
    this.status =
        migration.getStatus() == null
            ? QemuVMMigrationStatus.of(MigrationPhase.Pending, "Pending", "not started yet")
            : migration.getStatus().copy();
    if (this.status.getVmName() == null) {
      this.status.setVmName(migration.getSpec().getVmName());
    }
  }

  /** The request as the API server has it now; empty when it is gone. */
  static Optional<Request> read(KubernetesClient client, QemuVMMigration cached) {
    QemuVMMigration current = client.resource(cached).get();
    return current == null ? Optional.empty() : Optional.of(new Request(client, current));
  }

  KubernetesClient client() {
    return client;
  }

  QemuVMMigration migration() {
    return migration;
  }

  String name() {
    return migration.getMetadata().getName();
  }

  String namespace() {
    return migration.getMetadata().getNamespace();
  }

  /** The VM's token Secret, read once per pass; empty when it is gone. */
  Optional<Secret> tokenSecret() {
    if (tokenSecret == null) {
      tokenSecret =
          Optional.ofNullable(
              client
                  .secrets()
                  .inNamespace(namespace())
                  .withName(VmResources.secretName(vmName()))
                  .get());
    }
    return tokenSecret;
  }

  /** The VM: as accepted ({@code status.vmName}), else as the spec names it. */
  String vmName() {
    return status.getVmName() != null ? status.getVmName() : migration.getSpec().getVmName();
  }

  /** The status as this pass has it: changed through its setters, then {@link #write}. */
  QemuVMMigrationStatus status() {
    return status;
  }

  MigrationPhase phase() {
    return status.getPhase() == null ? MigrationPhase.Pending : status.getPhase();
  }

  /** Writes {@code changed} (this pass's status) as the request's status (a JSON patch). */
  void write(QemuVMMigrationStatus changed) {
    QemuVMMigration copy = io.fabric8.kubernetes.client.utils.Serialization.clone(migration);
    copy.setStatus(changed.copy());
    migration = client.resource(migration).editStatus(current -> copy);
  }

  /** Creates {@code resource}, or leaves the one of its name that exists (a repeated step). */
  void createIfAbsent(io.fabric8.kubernetes.api.model.HasMetadata resource) {
    try {
      client.resource(resource).create();
    } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
    }
  }
}
