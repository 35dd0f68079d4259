package io.qemuoperator.local;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.operator.pod.VmResources;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What Kubernetes' garbage collector does for a QemuVM, which Fabric8's mock API server does not:
 * once a QemuVM is gone, the objects it owns (its pod, token Secret and disk claims) are deleted.
 * Used only on the mock server; a real cluster collects them itself.
 */
final class OwnerGarbageCollector implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(OwnerGarbageCollector.class);

  private final KubernetesClient client;
  private final SharedIndexInformer<QemuVM> informer;

  OwnerGarbageCollector(KubernetesClient client) {
    this.client = client;
    this.informer =
        client
            .resources(QemuVM.class)
            .inAnyNamespace()
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(QemuVM vm) {}

                  @Override
                  public void onUpdate(QemuVM old, QemuVM vm) {}

                  @Override
                  public void onDelete(QemuVM vm, boolean unknown) {
                    collect(vm);
                  }
                });
  }

  private void collect(QemuVM owner) {
    String namespace = owner.getMetadata().getNamespace();
    String uid = owner.getMetadata().getUid();
    String selector = VmResources.LABEL_MANAGED_BY + "=" + VmResources.MANAGER;
    List<? extends HasMetadata> owned =
        java.util.stream.Stream.of(
                client.pods().inNamespace(namespace).withLabelSelector(selector).list().getItems(),
                client
                    .secrets()
                    .inNamespace(namespace)
                    .withLabelSelector(selector)
                    .list()
                    .getItems(),
                client
                    .persistentVolumeClaims()
                    .inNamespace(namespace)
                    .withLabelSelector(selector)
                    .list()
                    .getItems())
            .flatMap(List::stream)
            .filter(
                o ->
                    o.getMetadata().getOwnerReferences().stream()
                        .anyMatch(r -> uid.equals(r.getUid())))
            .toList();
    for (HasMetadata object : owned) {
      try {
        client.resource(object).delete();
        log.info(
            "garbage collector: deleted {} {}/{} (its QemuVM is gone)",
            object.getKind(),
            namespace,
            object.getMetadata().getName());
      } catch (KubernetesClientException e) {
        log.warn(
            "garbage collector: cannot delete {}: {}",
            object.getMetadata().getName(),
            e.getMessage());
      }
    }
  }

  @Override
  public void close() {
    informer.close();
  }
}
