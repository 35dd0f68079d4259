package io.qemuoperator.local;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's storage, what a cluster's storage driver and controllers provide: the {@link
 * StorageClasses}, the provisioner ({@link LocalVolumes}, folders under {@code root}) and the
 * resizer ({@link VolumeResizer}) for the claims of the served namespaces, and — where no
 * kube-controller-manager binds claims, i.e. on the mock API server — the {@link VolumeBinder}.
 * {@link #close()} stops them and deletes what they made, in reverse order.
 */
public final class LocalStorage implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LocalStorage.class);

  private final List<AutoCloseable> parts;

  private LocalStorage(List<AutoCloseable> parts) {
    this.parts = List.copyOf(parts);
  }

  /**
   * Starts the node's storage; {@code bindVolumes} when the API server has no volume binder of its
   * own (the mock server).
   */
  public static LocalStorage start(
      KubernetesClient client, Path root, Set<String> namespaces, boolean bindVolumes) {
    var served = new ServedNamespaces(namespaces);
    var parts = new ArrayList<AutoCloseable>();
    try {
      parts.add(StorageClasses.install(client));
      parts.add(new LocalVolumes(client, root, served));
      parts.add(new VolumeResizer(client, served));
      if (bindVolumes) {
        parts.add(new VolumeBinder(client));
      }
    } catch (RuntimeException e) {
      new LocalStorage(parts).close();
      throw e;
    }
    return new LocalStorage(parts);
  }

  @Override
  public void close() {
    for (AutoCloseable part : parts.reversed()) {
      try {
        part.close();
      } catch (Exception e) {
        log.warn("stopping {}: {}", part.getClass().getSimpleName(), e.toString());
      }
    }
  }
}
