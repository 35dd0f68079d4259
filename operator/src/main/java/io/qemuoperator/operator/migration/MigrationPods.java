package io.qemuoperator.operator.migration;

import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.operator.pod.VmResources;
import io.qemuoperator.operator.reconcile.StatusAggregator;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Optional;

/** The pods of a migration: the VM's (the source), the target, and the target's hand-over. */
final class MigrationPods {
  private MigrationPods() {}

  /**
   * The target pod becomes the VM's own: owned by the QemuVM, no longer by the request, and
   * labelled as the VM's (its Service now sends clients there).
   */
  static void adopt(Request request, Pod target, QemuVM vm) {
    request
        .client()
        .pods()
        .inNamespace(request.namespace())
        .withName(target.getMetadata().getName())
        .edit(
            pod -> {
              Pod copy = new io.fabric8.kubernetes.api.model.PodBuilder(pod).build();
              List<OwnerReference> owners = new ArrayList<>();
              owners.add(VmResources.owner(vm));
              copy.getMetadata().setOwnerReferences(owners);
              var labels = new HashMap<>(copy.getMetadata().getLabels());
              labels.remove(MigrationTargetPod.MIGRATION_LABEL);
              labels.put(VmResources.LABEL_VM, vm.getMetadata().getName());
              copy.getMetadata().setLabels(labels);
              return copy;
            });
  }

  /** Whether {@code pod} is owned by the VM. */
  static boolean isOwnedBy(Pod pod, Optional<QemuVM> vm) {
    return vm.isPresent()
        && pod.getMetadata().getOwnerReferences() != null
        && pod.getMetadata().getOwnerReferences().stream()
            .anyMatch(o -> o.getUid().equals(vm.get().getMetadata().getUid()));
  }

  /** The pod {@code name} of the request's namespace, when there is one. */
  static Optional<Pod> pod(Request request, String name) {
    if (name == null) {
      return Optional.empty();
    }
    return Optional.ofNullable(
        request.client().pods().inNamespace(request.namespace()).withName(name).get());
  }

  /** The VM's own pod (owned by the QemuVM, not going away). */
  static Optional<Pod> vmPod(KubernetesClient client, QemuVM vm) {
    return client
        .pods()
        .inNamespace(vm.getMetadata().getNamespace())
        .withLabel(VmResources.LABEL_VM, vm.getMetadata().getName())
        .list()
        .getItems()
        .stream()
        .filter(p -> !p.isMarkedForDeletion())
        .filter(p -> isOwnedBy(p, Optional.of(vm)))
        .findFirst();
  }

  /** Why a pod will never run again, when it failed as a whole. */
  static Optional<String> failure(Pod pod) {
    return StatusAggregator.podFailure(pod);
  }

  /** Why the scheduler has placed no pod, while it has not: its PodScheduled condition's words. */
  static Optional<String> unschedulable(Pod pod) {
    return StatusAggregator.podUnschedulable(pod)
        .map(why -> why.replace("the VM's pod", "the target pod " + pod.getMetadata().getName()));
  }
}
