package io.qemuoperator.operator.dependent;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.Creator;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependentResource;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.operator.pod.TokenSecret;
import io.qemuoperator.operator.pod.VmPod;
import java.util.function.Function;

/**
 * A dependent that is created when missing and never updated or deleted here; owner references take
 * it away with its QemuVM.
 *
 * <ul>
 *   <li>{@link #tokenSecret}: the VM's token Secret. A new token would lock the operator out of a
 *       running sidecar, so it is made once.
 *   <li>{@link #pod}: the VM's pod, for the spec's launch revision, created while the VM should run
 *       and none exists. A pod of another revision, or of a VM set to {@code running: false}, is
 *       ended by the reconciler after the guest's graceful power-down, never replaced here.
 * </ul>
 */
public final class CreateOnlyDependent<R extends HasMetadata>
    extends KubernetesDependentResource<R, QemuVM> implements Creator<R, QemuVM> {
  private final Function<QemuVM, R> desired;

  /** {@code name} names its informer too: each dependent needs its own. */
  private CreateOnlyDependent(Class<R> type, String name, Function<QemuVM, R> desired) {
    super(type, name);
    this.desired = desired;
    configureWith(Dependents.managedOnly(type));
  }

  public static CreateOnlyDependent<Secret> tokenSecret(TokenSecret tokens) {
    return new CreateOnlyDependent<>(Secret.class, "token-secret", tokens::desired);
  }

  public static CreateOnlyDependent<Pod> pod(VmPod pods) {
    return new CreateOnlyDependent<>(Pod.class, "vm-pod", pods::desired);
  }

  @Override
  protected R desired(QemuVM vm, Context<QemuVM> context) {
    return desired.apply(vm);
  }
}
