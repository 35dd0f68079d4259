package io.qemuoperator.local;

import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.api.model.storage.StorageClassBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's two StorageClasses, both served by {@link LocalVolumes}: {@value #GROWABLE}, the
 * cluster's default, whose volumes grow when their claims ask for more; and {@value #FIXED}, whose
 * volumes never grow (a real API server refuses to expand its claims). Both bind at once ({@code
 * volumeBindingMode: Immediate}) and delete a released volume with its data.
 *
 * <p>{@link #install} creates those that do not exist yet; {@link #close()} deletes the ones it
 * created and leaves alone a class someone else made.
 */
public final class StorageClasses implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(StorageClasses.class);

  /** The provisioner of both classes: the node's {@link LocalVolumes}. */
  public static final String PROVISIONER = "qemu-operator.io/local-node";

  /** The default class: volumes grow ({@code allowVolumeExpansion: true}). */
  public static final String GROWABLE = "local";

  /** Volumes that never grow ({@code allowVolumeExpansion: false}). */
  public static final String FIXED = "local-fixed";

  /** Marks the class a claim without one gets (v1.20's DefaultStorageClass admission plugin). */
  public static final String IS_DEFAULT_CLASS = "storageclass.kubernetes.io/is-default-class";

  private final KubernetesClient client;
  private final List<String> created;

  private StorageClasses(KubernetesClient client, List<String> created) {
    this.client = client;
    this.created = List.copyOf(created);
  }

  /** Creates the classes that do not exist yet. */
  public static StorageClasses install(KubernetesClient client) {
    var created = new ArrayList<String>();
    for (StorageClass storageClass : desired()) {
      try {
        client.storage().v1().storageClasses().resource(storageClass).create();
        created.add(storageClass.getMetadata().getName());
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409) {
          new StorageClasses(client, created).close();
          throw e;
        }
        log.info("storage class {} exists already: left as it is", name(storageClass));
      }
    }
    return new StorageClasses(client, created);
  }

  static List<StorageClass> desired() {
    return List.of(storageClass(GROWABLE, true, true), storageClass(FIXED, false, false));
  }

  private static StorageClass storageClass(String name, boolean isDefault, boolean expandable) {
    return new StorageClassBuilder()
        .withNewMetadata()
        .withName(name)
        .withAnnotations(Map.of(IS_DEFAULT_CLASS, Boolean.toString(isDefault)))
        .endMetadata()
        .withProvisioner(PROVISIONER)
        .withReclaimPolicy("Delete")
        .withVolumeBindingMode("Immediate")
        .withAllowVolumeExpansion(expandable)
        .build();
  }

  /**
   * The class of {@code claim} when {@link LocalVolumes} serves it. A claim without a class has the
   * default one: a real API server fills it in at creation, the mock server does not.
   */
  static Optional<StorageClass> servedClassOf(
      KubernetesClient client, PersistentVolumeClaim claim) {
    String name = claim.getSpec().getStorageClassName();
    StorageClass storageClass =
        client.storage().v1().storageClasses().withName(name == null ? GROWABLE : name).get();
    return Optional.ofNullable(storageClass).filter(c -> PROVISIONER.equals(c.getProvisioner()));
  }

  private static String name(StorageClass storageClass) {
    return storageClass.getMetadata().getName();
  }

  @Override
  public void close() {
    for (String name : created) {
      try {
        client.storage().v1().storageClasses().withName(name).delete();
      } catch (KubernetesClientException e) {
        log.warn("cannot delete storage class {}: {}", name, e.getMessage());
      }
    }
  }
}
