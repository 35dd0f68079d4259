package io.qemuoperator.e2e;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.utils.Serialization;

/**
 * QemuVM manifests as a user writes them (YAML), sent untyped so that invalid ones reach the
 * server.
 */
final class QemuVMs {

  static final String API_VERSION = "qemu-operator.io/v1alpha1";

  private QemuVMs() {}

  static MixedOperation<
          GenericKubernetesResource,
          GenericKubernetesResourceList,
          Resource<GenericKubernetesResource>>
      untyped(KubernetesClient client) {
    return client.genericKubernetesResources(API_VERSION, "QemuVM");
  }

  /** A QemuVM named {@code name} whose spec is the YAML block {@code specYaml} (indented by 2). */
  static GenericKubernetesResource manifest(String name, String specYaml) {
    String yaml =
        """
        apiVersion: %s
        kind: QemuVM
        metadata:
          name: %s
        spec:
        %s"""
            .formatted(API_VERSION, name, specYaml.indent(2));
    return Serialization.unmarshal(yaml, GenericKubernetesResource.class);
  }

  /** The same manifest as the operator's typed QemuVM. */
  static io.qemuoperator.api.v1alpha1.QemuVM typed(GenericKubernetesResource manifest) {
    return Serialization.unmarshal(
        Serialization.asJson(manifest), io.qemuoperator.api.v1alpha1.QemuVM.class);
  }
}
