package io.qemuoperator.operator.dependent;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.config.informer.InformerConfiguration;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependentResourceConfig;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependentResourceConfigBuilder;
import io.qemuoperator.operator.pod.VmResources;

/** What every VM dependent shares: its informer sees only what the operator made. */
final class Dependents {
  private Dependents() {}

  /** Only objects labelled as the operator's; no server-side apply (as everywhere here). */
  static <R extends HasMetadata> KubernetesDependentResourceConfig<R> managedOnly(Class<R> type) {
    return new KubernetesDependentResourceConfigBuilder<R>()
        .withUseSSA(false)
        .withKubernetesDependentInformerConfig(
            InformerConfiguration.builder(type)
                .withLabelSelector(VmResources.LABEL_MANAGED_BY + "=" + VmResources.MANAGER)
                .build())
        .build();
  }
}
