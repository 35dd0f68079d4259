package io.qemuoperator.operator.pod;

import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.api.v1alpha1.spec.DiskSpec;
import java.util.List;
import java.util.Map;

/**
 * One PersistentVolumeClaim per spec disk, holding the disk's qcow2 image. The claim asks for the
 * disk's size plus room for qcow2 metadata; a qcow2 image is sparse, so a grown disk keeps fitting
 * while the guest has not written it full.
 */
public final class DiskClaims {
  /** qcow2 metadata (L1/L2 tables, refcounts) stays well under 1% of the virtual size. */
  static final long METADATA_PERCENT = 1;

  static final long MIN_METADATA_BYTES = 16L << 20;

  private DiskClaims() {}

  public static List<PersistentVolumeClaim> desired(QemuVM vm) {
    List<DiskSpec> disks = vm.getSpec().getDisks();
    if (disks == null) {
      return List.of();
    }
    return disks.stream().map(disk -> claim(vm, disk)).toList();
  }

  private static PersistentVolumeClaim claim(QemuVM vm, DiskSpec disk) {
    long size = io.qemuoperator.operator.reconcile.SpecReader.bytes(disk.getSize());
    long request = size + Math.max(MIN_METADATA_BYTES, size / 100 * METADATA_PERCENT);
    return new PersistentVolumeClaimBuilder()
        .withNewMetadata()
        .withName(VmResources.claimName(vm, disk.getName()))
        .withNamespace(vm.getMetadata().getNamespace())
        .withLabels(VmResources.labels(vm))
        .addToLabels(io.qemuoperator.api.v1alpha1.QemuVMApi.GROUP + "/disk", disk.getName())
        .withOwnerReferences(VmResources.owner(vm))
        .endMetadata()
        .withNewSpec()
        .withAccessModes("ReadWriteOnce")
        .withStorageClassName(disk.getStorageClassName())
        .withVolumeMode("Filesystem")
        .withNewResources()
        .withRequests(Map.of("storage", new Quantity(Long.toString(request))))
        .endResources()
        .endSpec()
        .build();
  }
}
