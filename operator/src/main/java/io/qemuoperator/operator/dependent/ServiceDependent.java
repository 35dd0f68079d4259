package io.qemuoperator.operator.dependent;

import io.fabric8.kubernetes.api.model.Service;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.Creator;
import io.javaoperatorsdk.operator.processing.dependent.Matcher;
import io.javaoperatorsdk.operator.processing.dependent.Updater;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependentResource;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.operator.pod.VmService;

/**
 * The VM's Service, while {@code spec.service} asks for one: created, brought back to the declared
 * type and ports when they differ (an edit of those fields alone, so what the cluster allocated —
 * its cluster IP — stays), and deleted by the reconciler when the field goes. Owner references take
 * it away with its QemuVM.
 */
public final class ServiceDependent extends KubernetesDependentResource<Service, QemuVM>
    implements Creator<Service, QemuVM>, Updater<Service, QemuVM> {

  public ServiceDependent() {
    super(Service.class, "vm-service");
    configureWith(Dependents.managedOnly(Service.class));
  }

  @Override
  protected Service desired(QemuVM vm, Context<QemuVM> context) {
    return VmService.desired(vm);
  }

  @Override
  public Matcher.Result<Service> match(Service actual, QemuVM vm, Context<QemuVM> context) {
    Service desired = desired(vm, context);
    return Matcher.Result.computed(VmService.matches(actual, desired), desired);
  }

  @Override
  public Service update(Service actual, Service desired, QemuVM vm, Context<QemuVM> context) {
    return context
        .getClient()
        .resource(actual)
        .edit(
            service -> {
              service.getSpec().setType(desired.getSpec().getType());
              service.getSpec().setSelector(desired.getSpec().getSelector());
              service.getSpec().setPorts(desired.getSpec().getPorts());
              return service;
            });
  }

  /** Deletes the VM's Service when there is one (spec.service was removed). */
  public void deleteIfPresent(QemuVM vm, Context<QemuVM> context) {
    context
        .getSecondaryResource(Service.class)
        .ifPresent(service -> context.getClient().resource(service).delete());
  }
}
