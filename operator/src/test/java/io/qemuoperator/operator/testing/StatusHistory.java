package io.qemuoperator.operator.testing;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.api.v1alpha1.status.QemuVMStatus;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Every status one QemuVM had, in the order the API server stored them, from a watch: what a test
 * needs to say a status never appeared, which polling cannot.
 */
public final class StatusHistory implements AutoCloseable {

  /** One stored version of the QemuVM: the generation it had and its status then. */
  public record Version(long generation, QemuVMStatus status) {}

  private final List<Version> versions = new CopyOnWriteArrayList<>();
  private final Watch watch;

  public StatusHistory(KubernetesClient client, String namespace, String name) {
    this.watch =
        client
            .resources(QemuVM.class)
            .inNamespace(namespace)
            .withName(name)
            .watch(
                new Watcher<>() {
                  @Override
                  public void eventReceived(Action action, QemuVM vm) {
                    Long generation = vm.getMetadata().getGeneration();
                    versions.add(new Version(generation == null ? 0 : generation, vm.getStatus()));
                  }

                  @Override
                  public void onClose(WatcherException cause) {}
                });
  }

  /** The statuses recorded so far, oldest first (null where the QemuVM had none). */
  public List<Version> versions() {
    return List.copyOf(versions);
  }

  @Override
  public void close() {
    watch.close();
  }
}
