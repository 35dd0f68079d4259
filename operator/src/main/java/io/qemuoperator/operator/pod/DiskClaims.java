package io.qemuoperator.operator.pod;

import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.api.v1alpha1.spec.DiskSpec;
import io.qemuoperator.operator.plan.DiskSizing;
import io.qemuoperator.operator.plan.SpecReader;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * One PersistentVolumeClaim per spec disk (but a disk on a claim the user owns), holding the disk's
 * qcow2 image. The claim asks for the disk's size plus room for qcow2 metadata; a qcow2 image is
 * sparse, so a grown disk keeps fitting while the guest has not written it full.
 */
public final class DiskClaims {
  /** The label naming the disk a claim holds. */
  public static final String DISK_LABEL = io.qemuoperator.api.v1alpha1.QemuVMApi.GROUP + "/disk";

  private static final String STORAGE = "storage";

  private DiskClaims() {}

  public static List<PersistentVolumeClaim> desired(QemuVM vm) {
    List<DiskSpec> disks = vm.getSpec().getDisks();
    if (disks == null) {
      return List.of();
    }
    // a disk on a claim the user owns is never created (nor grown, nor deleted) here
    return disks.stream()
        .filter(disk -> SpecReader.userClaim(disk).isEmpty())
        .map(disk -> claim(vm, disk))
        .toList();
  }

  /** The disk a claim holds (its label). */
  public static String diskOf(PersistentVolumeClaim claim) {
    return claim.getMetadata().getLabels().get(DISK_LABEL);
  }

  /** The storage a claim asks for, in bytes. */
  public static long requestBytes(PersistentVolumeClaim claim) {
    return bytes(claim.getSpec().getResources().getRequests().get(STORAGE)).orElse(0);
  }

  /** The storage a claim has ({@code status.capacity}); empty while it is not bound. */
  public static OptionalLong capacity(PersistentVolumeClaim claim) {
    if (claim.getStatus() == null || claim.getStatus().getCapacity() == null) {
      return OptionalLong.empty();
    }
    return bytes(claim.getStatus().getCapacity().get(STORAGE));
  }

  /**
   * A JSON merge patch that sets a claim's storage request to {@code bytes} (the caller never
   * lowers a request): one request, no read before it.
   */
  public static String requestPatch(long bytes) {
    return "{\"spec\":{\"resources\":{\"requests\":{\"storage\":\"" + bytes + "\"}}}}";
  }

  private static OptionalLong bytes(Quantity quantity) {
    return quantity == null
        ? OptionalLong.empty()
        : OptionalLong.of(Quantity.getAmountInBytes(quantity).longValue());
  }

  private static PersistentVolumeClaim claim(QemuVM vm, DiskSpec disk) {
    long request = DiskSizing.claimBytes(SpecReader.bytes(disk.getSize()));
    return new PersistentVolumeClaimBuilder()
        .withNewMetadata()
        .withName(VmResources.claimName(vm, disk.getName()))
        .withNamespace(vm.getMetadata().getNamespace())
        .withLabels(VmResources.labels(vm))
        .addToLabels(DISK_LABEL, disk.getName())
        .withOwnerReferences(VmResources.owner(vm))
        .endMetadata()
        .withNewSpec()
        .withAccessModes("ReadWriteOnce")
        .withStorageClassName(disk.getStorageClassName())
        .withVolumeMode("Filesystem")
        .withNewResources()
        .withRequests(Map.of(STORAGE, new Quantity(Long.toString(request))))
        .endResources()
        .endSpec()
        .build();
  }
}
