package io.qemuoperator.local;

import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.qemuoperator.operator.pod.VmResources;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's provisioner for the {@link StorageClasses}, as an external provisioner works: for
 * every Pending claim of one of them (with the operator's managed-by label, in the served
 * namespaces) it makes a folder {@code root/<volume>} and a PersistentVolume {@code pvc-<claim
 * uid>} for it — a hostPath to that folder, the claim's request as capacity, its access modes,
 * class and volume mode, reclaim policy Delete, annotated {@value #PROVISIONED_BY} and already
 * bound to the claim ({@code claimRef}). The binder (kube-controller-manager's
 * persistentvolume-binder, or {@link VolumeBinder} on the mock server) then binds the claim to it.
 *
 * <p>A volume of its own that its claim has released is deleted, folder first, as the reclaim
 * policy says. {@link #close()} deletes every volume it made and their folders.
 */
final class LocalVolumes implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LocalVolumes.class);

  /** Names the provisioner of a volume (the binder then leaves its deletion to that one). */
  static final String PROVISIONED_BY = "pv.kubernetes.io/provisioned-by";

  /** Informers list again this often: what failed once is tried again. */
  static final long RESYNC_MILLIS = 10_000;

  private final KubernetesClient client;
  private final Path root;
  private final ServedNamespaces namespaces;
  private final SharedIndexInformer<PersistentVolumeClaim> claims;
  private final SharedIndexInformer<PersistentVolume> volumes;
  private boolean closed;

  LocalVolumes(KubernetesClient client, Path root, ServedNamespaces namespaces) {
    this.client = client;
    this.root = root.toAbsolutePath();
    this.namespaces = namespaces;
    // volumes first: provision() reads their cache
    this.volumes = client.persistentVolumes().inform(handler(this::reclaim), RESYNC_MILLIS);
    this.claims =
        client
            .persistentVolumeClaims()
            .inAnyNamespace()
            .withLabel(VmResources.LABEL_MANAGED_BY, VmResources.MANAGER)
            .inform(handler(this::provision), RESYNC_MILLIS);
  }

  /** Calls {@code action} on every added and updated object; a failure is logged, never thrown. */
  static <T> ResourceEventHandler<T> handler(Consumer<T> action) {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(T object) {
        run(object);
      }

      @Override
      public void onUpdate(T old, T object) {
        run(object);
      }

      @Override
      public void onDelete(T object, boolean unknown) {}

      private void run(T object) {
        try {
          action.accept(object);
        } catch (KubernetesClientException | UncheckedIOException e) {
          log.warn("local storage: {} (tried again on the next change or resync)", e.toString());
        }
      }
    };
  }

  /** The volume made for {@code claim}. */
  static String volumeName(PersistentVolumeClaim claim) {
    return "pvc-" + claim.getMetadata().getUid();
  }

  /** The storage a claim asks for. */
  static Optional<Quantity> request(PersistentVolumeClaim claim) {
    return Optional.ofNullable(claim.getSpec().getResources())
        .map(r -> r.getRequests())
        .map(r -> r.get("storage"));
  }

  static boolean isPending(PersistentVolumeClaim claim) {
    return claim.getStatus() == null
        || claim.getStatus().getPhase() == null
        || "Pending".equals(claim.getStatus().getPhase());
  }

  /** True for a volume this node's provisioner made: its annotation, a folder under the root. */
  boolean isOurs(PersistentVolume volume) {
    return StorageClasses.PROVISIONER.equals(
            volume.getMetadata().getAnnotations() == null
                ? null
                : volume.getMetadata().getAnnotations().get(PROVISIONED_BY))
        && folder(volume).map(f -> root.equals(f.getParent())).orElse(false);
  }

  static Optional<Path> folder(PersistentVolume volume) {
    return Optional.ofNullable(volume.getSpec().getHostPath()).map(h -> Path.of(h.getPath()));
  }

  private synchronized void provision(PersistentVolumeClaim claim) {
    if (closed
        || !namespaces.serves(claim)
        || claim.getMetadata().getDeletionTimestamp() != null
        || !isPending(claim)
        || claim.getSpec().getVolumeName() != null) {
      return;
    }
    Optional<Quantity> requested = request(claim);
    if (requested.isEmpty() || StorageClasses.servedClassOf(client, claim).isEmpty()) {
      return;
    }
    Quantity request = requested.get();
    String name = volumeName(claim);
    if (volumes.getStore().getByKey(name) != null) {
      return; // made already; the binder has not bound it yet
    }
    Path folder = root.resolve(name);
    try {
      Files.createDirectories(folder);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot make the folder of volume " + name, e);
    }
    var volume =
        new PersistentVolumeBuilder()
            .withNewMetadata()
            .withName(name)
            .withAnnotations(Map.of(PROVISIONED_BY, StorageClasses.PROVISIONER))
            .endMetadata()
            .withNewSpec()
            .withCapacity(Map.of("storage", request))
            .withAccessModes(claim.getSpec().getAccessModes())
            .withStorageClassName(claim.getSpec().getStorageClassName())
            .withVolumeMode(claim.getSpec().getVolumeMode())
            .withPersistentVolumeReclaimPolicy("Delete")
            .withNewHostPath()
            .withPath(folder.toString())
            .withType("Directory")
            .endHostPath()
            .withClaimRef(
                new ObjectReferenceBuilder()
                    .withApiVersion("v1")
                    .withKind("PersistentVolumeClaim")
                    .withNamespace(claim.getMetadata().getNamespace())
                    .withName(claim.getMetadata().getName())
                    .withUid(claim.getMetadata().getUid())
                    .build())
            .endSpec()
            .build();
    try {
      client.persistentVolumes().resource(volume).create();
      log.info(
          "local storage: volume {} ({}) for claim {}/{} in {}",
          name,
          request,
          claim.getMetadata().getNamespace(),
          claim.getMetadata().getName(),
          folder);
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) { // made by an earlier event the informer has not shown yet
        throw e;
      }
    }
  }

  /** A released volume of ours goes, its data first (reclaim policy Delete). */
  private synchronized void reclaim(PersistentVolume volume) {
    if (!closed
        && isOurs(volume)
        && volume.getStatus() != null
        && "Released".equals(volume.getStatus().getPhase())
        && "Delete".equals(volume.getSpec().getPersistentVolumeReclaimPolicy())) {
      delete(volume);
      log.info(
          "local storage: volume {} released by claim {}/{}: deleted with its folder",
          volume.getMetadata().getName(),
          volume.getSpec().getClaimRef().getNamespace(),
          volume.getSpec().getClaimRef().getName());
    }
  }

  private void delete(PersistentVolume volume) {
    folder(volume).ifPresent(LocalVolumes::deleteFolder);
    client.persistentVolumes().withName(volume.getMetadata().getName()).delete();
  }

  private static void deleteFolder(Path folder) {
    try {
      LocalCluster.deleteTree(folder);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + folder, e);
    }
  }

  /**
   * Stops, then deletes every volume it made and the folders. Waits for a volume being made: none
   * is made after the list of those to delete.
   */
  @Override
  public void close() {
    synchronized (this) {
      closed = true;
    }
    claims.close();
    volumes.close();
    try {
      for (PersistentVolume volume : client.persistentVolumes().list().getItems()) {
        if (isOurs(volume)) {
          delete(volume);
        }
      }
    } catch (KubernetesClientException | UncheckedIOException e) {
      log.warn("local storage: cannot delete every volume: {}", e.toString());
    }
    try {
      LocalCluster.deleteTree(root);
    } catch (IOException | UncheckedIOException e) {
      log.warn("cannot delete {}: {}", root, e.toString());
    }
  }
}
