package io.qemuoperator.operator.pod;

import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.api.v1alpha1.QemuVMApi;
import java.nio.file.Path;
import java.util.Map;

/**
 * Names, labels, paths and the owner reference shared by every object a QemuVM owns: its token
 * Secret, its disk claims and its pod. The node agent and the Helm chart's NetworkPolicy rely on
 * the same labels and paths.
 */
public final class VmResources {
  public static final String LABEL_NAME = "app.kubernetes.io/name";
  public static final String LABEL_MANAGED_BY = "app.kubernetes.io/managed-by";
  public static final String LABEL_VM = QemuVMApi.GROUP + "/vm";
  public static final String POD_APP = "qemu-vm";
  public static final String MANAGER = "qemu-operator";

  public static final String QEMU_CONTAINER = "qemu";
  public static final String SIDECAR_CONTAINER = "qmp-sidecar";
  public static final Path QMP_DIR = Path.of("/run/qmp");
  public static final Path QMP_SOCKET = QMP_DIR.resolve("qmp.sock");

  /**
   * The guest's serial console (ttyS0): QEMU listens on this unix socket for one client at a time
   * (the sidecar, for {@code /v1/console}); in the shared emptyDir, beside the QMP socket.
   */
  public static final Path CONSOLE_SOCKET = QMP_DIR.resolve("console.sock");

  /**
   * QEMU's end of the guest agent's virtio-serial port ({@code org.qemu.guest_agent.0}), with
   * {@code spec.guestAgent}: a unix socket the sidecar connects to; in the shared emptyDir.
   */
  public static final Path GUEST_AGENT_SOCKET = QMP_DIR.resolve("guest-agent.sock");

  /**
   * Everything the guest wrote to its serial console, from its first boot line on, whether or not a
   * client was attached (QEMU's {@code logfile=}, appended across QEMU restarts); the sidecar keeps
   * it bounded.
   */
  public static final Path CONSOLE_LOG = QMP_DIR.resolve("console.log");

  public static final Path DISKS_DIR = Path.of("/var/lib/qemu-operator/disks");

  /** The VM's copy of OVMF's variables (UEFI), in its first disk's claim. */
  public static final String UEFI_VARS = "uefi-vars.fd";

  public static final Path TOKEN_DIR = Path.of("/run/secrets/qemu-operator");
  public static final String TOKEN_KEY = "token";

  /** The pod's volume of the token Secret (mounted into the sidecar only). */
  public static final String TOKEN_VOLUME = "qmp-token";

  public static final Path TOKEN_FILE = TOKEN_DIR.resolve(TOKEN_KEY);

  /** The qemu container's emptyDir that the cloud-init seed is written to. */
  public static final Path SEED_DIR = Path.of("/run/qemu-operator/cidata");

  /** Where the qemu container mounts the Secrets that cloud-init data comes from. */
  public static final Path CLOUD_INIT_SECRETS_DIR = Path.of("/run/qemu-operator/cloud-init");

  public static final String USER_DATA = "user-data";
  public static final String NETWORK_CONFIG = "network-config";

  private VmResources() {}

  /** The volume (and folder name) of a seed file that comes from a Secret. */
  public static String cloudInitSecretVolume(String file) {
    return "cloud-init-" + file;
  }

  /** The path of a seed file that comes from a Secret's key, as the qemu container sees it. */
  public static Path cloudInitSecretFile(String file) {
    return CLOUD_INIT_SECRETS_DIR.resolve(file).resolve(file);
  }

  public static String podName(QemuVM vm) {
    return vm.getMetadata().getName() + "-qemu";
  }

  public static String secretName(QemuVM vm) {
    return secretName(vm.getMetadata().getName());
  }

  /** The token Secret of the QemuVM named {@code vm}. */
  public static String secretName(String vm) {
    return vm + "-qmp-token";
  }

  public static String claimName(QemuVM vm, String disk) {
    return vm.getMetadata().getName() + "-" + disk;
  }

  /** Where a disk's claim is mounted in the qemu container. */
  public static Path diskMount(String disk) {
    return DISKS_DIR.resolve(disk);
  }

  /** The qcow2 image of a disk, inside its claim. */
  public static Path diskImage(String disk) {
    return diskMount(disk).resolve("disk.qcow2");
  }

  public static Map<String, String> labels(QemuVM vm) {
    return Map.of(
        LABEL_NAME, POD_APP, LABEL_MANAGED_BY, MANAGER, LABEL_VM, vm.getMetadata().getName());
  }

  /** Controller owner reference: deleting the QemuVM garbage-collects the object. */
  public static OwnerReference owner(QemuVM vm) {
    return new OwnerReferenceBuilder()
        .withApiVersion(QemuVMApi.API_VERSION)
        .withKind(QemuVMApi.KIND)
        .withName(vm.getMetadata().getName())
        .withUid(vm.getMetadata().getUid())
        .withController(true)
        .withBlockOwnerDeletion(true)
        .build();
  }
}
