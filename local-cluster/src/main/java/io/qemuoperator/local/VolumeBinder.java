package io.qemuoperator.local;

import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What kube-controller-manager's persistentvolume-binder does for a volume made for one claim,
 * which Fabric8's mock API server does not: a volume whose {@code claimRef} names a Pending claim
 * (and its uid) is bound to it — the volume's phase Bound, the claim's {@code spec.volumeName},
 * then its status (phase Bound, access modes, capacity) — and a volume whose claim is gone turns
 * Released, for its provisioner to reclaim. Used only on the mock server; a real cluster binds
 * itself.
 */
final class VolumeBinder implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(VolumeBinder.class);

  static final String BIND_COMPLETED = "pv.kubernetes.io/bind-completed";
  static final String BOUND_BY_CONTROLLER = "pv.kubernetes.io/bound-by-controller";

  private final KubernetesClient client;
  private final SharedIndexInformer<PersistentVolume> volumes;
  private final SharedIndexInformer<PersistentVolumeClaim> claims;

  VolumeBinder(KubernetesClient client) {
    this.client = client;
    this.volumes =
        client
            .persistentVolumes()
            .inform(LocalVolumes.handler(this::sync), LocalVolumes.RESYNC_MILLIS);
    this.claims =
        client
            .persistentVolumeClaims()
            .inAnyNamespace()
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(PersistentVolumeClaim claim) {}

                  @Override
                  public void onUpdate(PersistentVolumeClaim old, PersistentVolumeClaim claim) {}

                  @Override
                  public void onDelete(PersistentVolumeClaim claim, boolean unknown) {
                    released(claim);
                  }
                });
  }

  private void sync(PersistentVolume volume) {
    ObjectReference ref = volume.getSpec().getClaimRef();
    String phase = volume.getStatus() == null ? null : volume.getStatus().getPhase();
    if (ref == null || ref.getUid() == null || "Released".equals(phase)) {
      return;
    }
    PersistentVolumeClaim claim =
        client
            .persistentVolumeClaims()
            .inNamespace(ref.getNamespace())
            .withName(ref.getName())
            .get();
    if (claim == null || !ref.getUid().equals(claim.getMetadata().getUid())) {
      release(volume);
    } else if (!volume.getMetadata().getName().equals(claim.getSpec().getVolumeName())
        || !"Bound".equals(claim.getStatus() == null ? null : claim.getStatus().getPhase())) {
      bind(volume, claim);
    }
  }

  private void bind(PersistentVolume volume, PersistentVolumeClaim claim) {
    String name = volume.getMetadata().getName();
    patchStatus(volume, Map.of("phase", "Bound"));
    var theClaim =
        client
            .persistentVolumeClaims()
            .inNamespace(claim.getMetadata().getNamespace())
            .withName(claim.getMetadata().getName());
    theClaim.patch(
        PatchContext.of(PatchType.JSON_MERGE),
        VolumeResizer.json(
            Map.of(
                "metadata",
                Map.of("annotations", Map.of(BIND_COMPLETED, "yes", BOUND_BY_CONTROLLER, "yes")),
                "spec",
                Map.of("volumeName", name))));
    theClaim
        .subresource("status")
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            VolumeResizer.json(
                Map.of(
                    "status",
                    Map.of(
                        "phase",
                        "Bound",
                        "accessModes",
                        volume.getSpec().getAccessModes(),
                        "capacity",
                        volume.getSpec().getCapacity()))));
    log.info(
        "volume binder: claim {}/{} bound to volume {}",
        claim.getMetadata().getNamespace(),
        claim.getMetadata().getName(),
        name);
  }

  /** The claim is gone: its volume is Released (once; a Released volume is left alone). */
  private void released(PersistentVolumeClaim claim) {
    for (PersistentVolume volume : volumes.getStore().list()) {
      ObjectReference ref = volume.getSpec().getClaimRef();
      if (ref != null && claim.getMetadata().getUid().equals(ref.getUid())) {
        try {
          release(volume);
        } catch (KubernetesClientException e) {
          log.warn("volume binder: {} (tried again on the next resync)", e.toString());
        }
      }
    }
  }

  private void release(PersistentVolume volume) {
    patchStatus(volume, Map.of("phase", "Released"));
    log.info("volume binder: volume {} released", volume.getMetadata().getName());
  }

  private void patchStatus(PersistentVolume volume, Map<String, Object> status) {
    client
        .persistentVolumes()
        .withName(volume.getMetadata().getName())
        .subresource("status")
        .patch(PatchContext.of(PatchType.JSON_MERGE), VolumeResizer.json(Map.of("status", status)));
  }

  @Override
  public void close() {
    claims.close();
    volumes.close();
  }
}
