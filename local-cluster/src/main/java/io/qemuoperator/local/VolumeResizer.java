package io.qemuoperator.local;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.qemuoperator.operator.pod.VmResources;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Grows the node's volumes when their claims ask for more, as external-resizer and the kubelet do
 * for a volume that needs no file-system resize: once a Bound claim of one of the {@link
 * StorageClasses} requests more than its {@code status.capacity.storage}, the volume's {@code
 * spec.capacity.storage} is raised to the request (its folder has no size to change), then the
 * claim's {@code status.capacity.storage}. A claim whose class does not allow expansion (only the
 * mock server lets one ask) keeps its size and gets one Warning Event {@value #RESIZE_FAILED}.
 */
final class VolumeResizer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(VolumeResizer.class);

  static final String RESIZE_FAILED = "VolumeResizeFailed";
  static final String COMPONENT = "qemu-operator-local-resizer";

  private final KubernetesClient client;
  private final ServedNamespaces namespaces;
  private final SharedIndexInformer<PersistentVolumeClaim> claims;

  VolumeResizer(KubernetesClient client, ServedNamespaces namespaces) {
    this.client = client;
    this.namespaces = namespaces;
    this.claims =
        client
            .persistentVolumeClaims()
            .inAnyNamespace()
            .withLabel(VmResources.LABEL_MANAGED_BY, VmResources.MANAGER)
            .inform(LocalVolumes.handler(this::resize), LocalVolumes.RESYNC_MILLIS);
  }

  /** The capacity a Bound claim has: its {@code status.capacity.storage}. */
  static Optional<Quantity> capacity(PersistentVolumeClaim claim) {
    return Optional.ofNullable(claim.getStatus())
        .filter(s -> "Bound".equals(s.getPhase()))
        .map(s -> s.getCapacity())
        .map(c -> c.get("storage"));
  }

  private void resize(PersistentVolumeClaim claim) {
    Optional<Quantity> request = LocalVolumes.request(claim);
    Optional<Quantity> capacity = capacity(claim);
    if (!namespaces.serves(claim)
        || claim.getSpec().getVolumeName() == null
        || request.isEmpty()
        || capacity.isEmpty()
        || !less(capacity.get(), request.get())) {
      return;
    }
    Optional<StorageClass> storageClass = StorageClasses.servedClassOf(client, claim);
    PersistentVolume volume =
        client.persistentVolumes().withName(claim.getSpec().getVolumeName()).get();
    if (storageClass.isEmpty() || volume == null || !provisionedHere(volume)) {
      return;
    }
    if (!Boolean.TRUE.equals(storageClass.get().getAllowVolumeExpansion())) {
      refused(claim, storageClass.get());
      return;
    }
    Quantity size = request.get();
    Quantity volumeSize = volume.getSpec().getCapacity().get("storage");
    if (volumeSize == null || less(volumeSize, size)) {
      client
          .persistentVolumes()
          .withName(volume.getMetadata().getName())
          .patch(
              PatchContext.of(PatchType.JSON_MERGE),
              json(Map.of("spec", Map.of("capacity", Map.of("storage", size)))));
    }
    client
        .persistentVolumeClaims()
        .inNamespace(claim.getMetadata().getNamespace())
        .withName(claim.getMetadata().getName())
        .subresource("status")
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            json(Map.of("status", Map.of("capacity", Map.of("storage", size)))));
    log.info(
        "local storage: volume {} of claim {}/{} grown from {} to {}",
        volume.getMetadata().getName(),
        claim.getMetadata().getNamespace(),
        claim.getMetadata().getName(),
        capacity.get(),
        size);
  }

  private static boolean provisionedHere(PersistentVolume volume) {
    Map<String, String> annotations = volume.getMetadata().getAnnotations();
    return annotations != null
        && StorageClasses.PROVISIONER.equals(annotations.get(LocalVolumes.PROVISIONED_BY));
  }

  static boolean less(Quantity a, Quantity b) {
    return a.getNumericalAmount().compareTo(b.getNumericalAmount()) < 0;
  }

  static String json(Object patch) {
    return Serialization.asJson(patch);
  }

  /**
   * Records the refusal once per claim: the Event's name is the claim's, so asking again (or a
   * resync) finds it there.
   */
  private void refused(PersistentVolumeClaim claim, StorageClass storageClass) {
    String namespace = claim.getMetadata().getNamespace();
    String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    String message =
        "storageclass " + storageClass.getMetadata().getName() + " does not allow volume expansion";
    var event =
        new EventBuilder()
            .withNewMetadata()
            .withName(claim.getMetadata().getName() + "." + claim.getMetadata().getUid())
            .withNamespace(namespace)
            .endMetadata()
            .withInvolvedObject(
                new ObjectReferenceBuilder()
                    .withApiVersion("v1")
                    .withKind("PersistentVolumeClaim")
                    .withName(claim.getMetadata().getName())
                    .withNamespace(namespace)
                    .withUid(claim.getMetadata().getUid())
                    .build())
            .withType("Warning")
            .withReason(RESIZE_FAILED)
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
      client.v1().events().inNamespace(namespace).resource(event).create();
      log.warn(
          "local storage: claim {}/{} not grown: {}",
          namespace,
          claim.getMetadata().getName(),
          message);
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
    }
  }

  @Override
  public void close() {
    claims.close();
  }
}
