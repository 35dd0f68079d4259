package io.qemuoperator.operator.pod;

import io.qemuoperator.api.v1alpha1.spec.Accelerator;
import java.util.Map;
import java.util.Optional;

/**
 * How VM pods choose their accelerator and get {@code /dev/kvm}, operator-wide (the Helm chart's
 * {@code vm.accelerator}, {@code vm.kvm.*}).
 *
 * @param accelerator {@link Accelerator#Auto}: KVM where the node has a usable one, TCG otherwise;
 *     {@link Accelerator#KVM}: KVM or QEMU does not start (no silent fallback); {@link
 *     Accelerator#TCG}: software emulation, no {@code /dev/kvm} asked for
 * @param resource the device plugin's extended resource that hands a pod {@code /dev/kvm}
 *     (KubeVirt's {@code devices.kubevirt.io/kvm}), requested while the accelerator may be KVM;
 *     empty: none asked for (a cluster without the plugin, whose nodes give /dev/kvm otherwise)
 * @param groupId a supplemental group of the pod, for a {@code /dev/kvm} that only its group may
 *     open (KubeVirt's plugin makes it 0666: none is needed then)
 */
public record KvmAccess(Accelerator accelerator, String resource, Optional<Long> groupId) {

  /** KubeVirt's device plugin's resource for {@code /dev/kvm}. */
  public static final String KUBEVIRT_RESOURCE = "devices.kubevirt.io/kvm";

  public KvmAccess {
    resource = resource == null ? "" : resource.strip();
  }

  /** Auto, KubeVirt's resource, no group. */
  public static KvmAccess defaults() {
    return new KvmAccess(Accelerator.Auto, KUBEVIRT_RESOURCE, Optional.empty());
  }

  /** From {@code ACCELERATOR}, {@code KVM_RESOURCE} (empty: none) and {@code KVM_GROUP_ID}. */
  public static KvmAccess fromEnvironment(Map<String, String> env) {
    String group = env.getOrDefault("KVM_GROUP_ID", "").strip();
    return new KvmAccess(
        Accelerator.valueOf(env.getOrDefault("ACCELERATOR", Accelerator.Auto.name())),
        env.getOrDefault("KVM_RESOURCE", KUBEVIRT_RESOURCE),
        group.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(group)));
  }

  /** This access with {@code chosen} instead of the operator's accelerator, when a VM sets one. */
  public KvmAccess forVm(Accelerator chosen) {
    return chosen == null ? this : new KvmAccess(chosen, resource, groupId);
  }

  /** The extended resource the qemu container asks for: none under TCG or when none is set. */
  public Optional<String> requestedResource() {
    return accelerator == Accelerator.TCG || resource.isEmpty()
        ? Optional.empty()
        : Optional.of(resource);
  }

  /** The supplemental group, while the accelerator may be KVM. */
  public Optional<Long> supplementalGroup() {
    return accelerator == Accelerator.TCG ? Optional.empty() : groupId;
  }
}
