package io.qemuoperator.operator.migration;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.qemuoperator.api.v1alpha1.QemuVMApi;
import io.qemuoperator.api.v1alpha1.QemuVMMigration;
import io.qemuoperator.operator.pod.VmResources;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The pod a migration moves the guest into: the source pod's own spec — so exactly its
 * guest-visible machine (the same versioned machine type, CPU model, memory, vCPUs, devices and
 * ids, firmware and disks: the same qemu container script) — whose QEMU waits for the incoming
 * stream ({@code -incoming defer}), without the disk importer (the disks exist), owned by the
 * migration request and without the VM's label (its Service selects by it) until the hand-over
 * makes it the VM's pod.
 *
 * <p>Placement: away from the source's node when the disks allow it (anti-affinity, preferred); on
 * the source's node when a claim is ReadWriteOnce (a node-local disk only that node mounts).
 */
public final class MigrationTargetPod {

  /** The label that names the migration a target pod belongs to, until the hand-over. */
  public static final String MIGRATION_LABEL = QemuVMApi.GROUP + "/migration";

  /** The port the target QEMU listens on for the migration stream, on the target pod's address. */
  public static final int MIGRATION_PORT = 49152;

  /** What QEMU is told to wait with: the stream's address is given later, over QMP. */
  static final String INCOMING = " -incoming defer";

  private MigrationTargetPod() {}

  /** The target pod's name: the VM's pod name and a part of the request's uid. */
  public static String name(QemuVMMigration migration) {
    return migration.getSpec().getVmName()
        + "-qemu-"
        + migration.getMetadata().getUid().replace("-", "").substring(0, 6);
  }

  /**
   * The target pod for {@code migration} of the VM whose pod is {@code source}; with {@code
   * sameNode}, bound to the source's node.
   */
  public static Pod of(Pod source, QemuVMMigration migration, boolean sameNode) {
    PodSpec spec = new PodBuilder(source).build().getSpec();
    List<Container> containers = new ArrayList<>();
    for (Container container : spec.getContainers()) {
      if (VmResources.QEMU_CONTAINER.equals(container.getName())) {
        containers.add(incoming(container));
      } else {
        containers.add(container);
      }
    }
    spec.setContainers(containers);
    spec.setInitContainers(List.of());
    spec.setNodeName(sameNode ? source.getSpec().getNodeName() : null);
    // not the VM's label until the hand-over: the VM's Service selects by it, and must not send
    // clients to a QEMU that does not run the guest yet
    Map<String, String> labels = new HashMap<>(source.getMetadata().getLabels());
    labels.remove(VmResources.LABEL_VM);
    labels.put(MIGRATION_LABEL, migration.getMetadata().getName());
    var pod =
        new PodBuilder()
            .withNewMetadata()
            .withName(name(migration))
            .withNamespace(source.getMetadata().getNamespace())
            .withLabels(labels)
            .withAnnotations(source.getMetadata().getAnnotations())
            .withOwnerReferences(owner(migration))
            .endMetadata()
            .withSpec(spec)
            .build();
    if (!sameNode) {
      pod.getSpec()
          .setAffinity(
              new io.fabric8.kubernetes.api.model.AffinityBuilder()
                  .withNewPodAntiAffinity()
                  .addNewPreferredDuringSchedulingIgnoredDuringExecution()
                  .withWeight(100)
                  .withNewPodAffinityTerm()
                  .withTopologyKey("kubernetes.io/hostname")
                  .withNewLabelSelector()
                  .addToMatchLabels(VmResources.LABEL_VM, migration.getSpec().getVmName())
                  .endLabelSelector()
                  .endPodAffinityTerm()
                  .endPreferredDuringSchedulingIgnoredDuringExecution()
                  .endPodAntiAffinity()
                  .build());
    }
    return pod;
  }

  /** The qemu container with {@code -incoming defer} after QEMU's arguments. */
  private static Container incoming(Container qemu) {
    List<String> command = new ArrayList<>(qemu.getCommand());
    int script = command.size() - 1;
    String text = command.get(script).stripTrailing();
    if (!text.contains("exec ")) {
      throw new IllegalArgumentException("the qemu container's script execs no QEMU: " + text);
    }
    command.set(script, text + INCOMING + "\n");
    return new io.fabric8.kubernetes.api.model.ContainerBuilder(qemu).withCommand(command).build();
  }

  /** The request owns its target pod until the hand-over: deleting it removes the pod. */
  static OwnerReference owner(QemuVMMigration migration) {
    return new OwnerReferenceBuilder()
        .withApiVersion(QemuVMApi.API_VERSION)
        .withKind(QemuVMApi.MIGRATION_KIND)
        .withName(migration.getMetadata().getName())
        .withUid(migration.getMetadata().getUid())
        .withController(true)
        .withBlockOwnerDeletion(true)
        .build();
  }
}
