package io.qemuoperator.operator.pod;

import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;

/**
 * The security context of every container of a VM pod (qemu, qmp-sidecar, disk-import), the posture
 * of the chart's own operator pod: the images' non-root uid and gid, a read-only root filesystem
 * (QEMU writes only to its volumes), no privilege escalation, no capabilities. The pod adds the
 * runtime's default seccomp profile.
 */
final class ContainerSecurity {
  private ContainerSecurity() {}

  static SecurityContext restricted() {
    return new SecurityContextBuilder()
        .withRunAsNonRoot(true)
        .withRunAsUser(VmPod.IMAGE_UID)
        .withRunAsGroup(VmPod.IMAGE_UID)
        .withAllowPrivilegeEscalation(false)
        .withReadOnlyRootFilesystem(true)
        .withNewCapabilities()
        .withDrop("ALL")
        .endCapabilities()
        .build();
  }
}
