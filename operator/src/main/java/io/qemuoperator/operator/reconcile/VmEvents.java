package io.qemuoperator.operator.reconcile;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.api.v1alpha1.QemuVMApi;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records what the operator did to a VM as Kubernetes Events on the QemuVM ({@code kubectl describe
 * qvm} shows them). An Event that cannot be written is logged, never fatal.
 */
public final class VmEvents {
  private static final Logger log = LoggerFactory.getLogger(VmEvents.class);
  static final String COMPONENT = "qemu-operator";

  private final KubernetesClient client;
  private final Clock clock;

  public VmEvents(KubernetesClient client, Clock clock) {
    this.client = client;
    this.clock = clock;
  }

  public void normal(QemuVM vm, String reason, String message) {
    record(vm, "Normal", reason, message);
  }

  public void warning(QemuVM vm, String reason, String message) {
    record(vm, "Warning", reason, message);
  }

  private void record(QemuVM vm, String type, String reason, String message) {
    String now = clock.instant().truncatedTo(ChronoUnit.SECONDS).toString();
    var event =
        new EventBuilder()
            .withNewMetadata()
            .withName(
                vm.getMetadata().getName() + "." + UUID.randomUUID().toString().substring(0, 13))
            .withNamespace(vm.getMetadata().getNamespace())
            .endMetadata()
            .withInvolvedObject(
                new ObjectReferenceBuilder()
                    .withApiVersion(QemuVMApi.API_VERSION)
                    .withKind(QemuVMApi.KIND)
                    .withName(vm.getMetadata().getName())
                    .withNamespace(vm.getMetadata().getNamespace())
                    .withUid(vm.getMetadata().getUid())
                    .build())
            .withType(type)
            .withReason(reason)
            .withMessage(message)
            .withFirstTimestamp(now)
            .withLastTimestamp(now)
            .withCount(1)
            .withNewSource()
            .withComponent(COMPONENT)
            .endSource()
            .withReportingComponent(COMPONENT)
            .build();
    try {
      client.v1().events().inNamespace(vm.getMetadata().getNamespace()).resource(event).create();
    } catch (KubernetesClientException e) {
      log.warn(
          "could not record event {} on {}: {}",
          reason,
          vm.getMetadata().getName(),
          e.getMessage());
    }
  }
}
