package io.qemuoperator.operator.migration;

import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.operator.pod.DiskClaims;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Whether a VM's disks can be shared by two pods: ReadWriteMany anywhere, ReadWriteOnce by pods of
 * one node, ReadWriteOncePod not at all.
 */
final class MigrationClaims {
  private MigrationClaims() {}

  /** A disk claim the node's pods only may mount: the target must then share the node. */
  static Optional<String> readWriteOnce(KubernetesClient client, QemuVM vm) {
    return claims(client, vm)
        .filter(
            claim ->
                claim.getSpec().getAccessModes() == null
                    || !claim.getSpec().getAccessModes().contains("ReadWriteMany"))
        .map(claim -> claim.getMetadata().getName())
        .findFirst();
  }

  /** A disk claim of the VM with access mode {@code mode}. */
  static Optional<String> withMode(KubernetesClient client, QemuVM vm, String mode) {
    return claims(client, vm)
        .filter(
            claim ->
                claim.getSpec().getAccessModes() != null
                    && claim.getSpec().getAccessModes().contains(mode))
        .map(claim -> claim.getMetadata().getName())
        .findFirst();
  }

  /** The VM's disk claims as they are (those that exist). */
  private static Stream<PersistentVolumeClaim> claims(KubernetesClient client, QemuVM vm) {
    return DiskClaims.desired(vm).stream()
        .map(
            wanted ->
                client
                    .persistentVolumeClaims()
                    .inNamespace(vm.getMetadata().getNamespace())
                    .withName(wanted.getMetadata().getName())
                    .get())
        .filter(java.util.Objects::nonNull);
  }
}
