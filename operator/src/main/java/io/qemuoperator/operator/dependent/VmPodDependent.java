package io.qemuoperator.operator.dependent;

import io.fabric8.kubernetes.api.model.Pod;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.Creator;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependentResource;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.operator.pod.VmPod;

/**
 * The VM's pod: created (for the spec's launch revision) while the VM should run and none exists.
 * Never updated and never deleted here: a pod of another revision, or of a VM set to {@code
 * running: false}, is ended by the reconciler after the guest's graceful power-down.
 */
public final class VmPodDependent extends KubernetesDependentResource<Pod, QemuVM>
    implements Creator<Pod, QemuVM> {
  private final VmPod pods;

  public VmPodDependent(VmPod pods) {
    super(Pod.class);
    this.pods = pods;
    configureWith(Dependents.managedOnly(Pod.class));
  }

  @Override
  protected Pod desired(QemuVM vm, Context<QemuVM> context) {
    return pods.desired(vm);
  }
}
