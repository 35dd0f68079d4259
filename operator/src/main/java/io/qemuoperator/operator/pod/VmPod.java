package io.qemuoperator.operator.pod;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.api.v1alpha1.QemuVMApi;
import io.qemuoperator.api.v1alpha1.spec.CloudInitSpec;
import io.qemuoperator.api.v1alpha1.spec.QemuVMSpec;
import io.qemuoperator.api.v1alpha1.spec.SecretKeyRef;
import io.qemuoperator.operator.OperatorConfig;
import io.qemuoperator.operator.plan.BootConfig;
import io.qemuoperator.operator.plan.Launch;
import io.qemuoperator.operator.plan.SpecReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The VM's pod: when a disk is imported, the init container {@link DiskImport#CONTAINER} (fetches
 * the images, verified, into the disks' claims); container {@code qemu} (makes missing disk images,
 * then execs QEMU with the command line of {@link QemuCommandLine}) and container {@code
 * qmp-sidecar} (the HTTP API on the QMP socket). They share an in-memory emptyDir for the socket;
 * the token Secret is mounted into the sidecar and the importer only. The memory request is guest
 * RAM plus the documented overhead, so the scheduler never overcommits a node with VMs.
 */
public final class VmPod {
  static final String QMP_VOLUME = "qmp";

  /** The sidecar's flag for QEMU's socket of the guest agent's port (with spec.guestAgent). */
  public static final String GUEST_AGENT_FLAG = "--guest-agent";

  static final String TOKEN_VOLUME = VmResources.TOKEN_VOLUME;
  static final String SEED_VOLUME = "cidata";
  static final String UNPRIVILEGED_PORT_START = "net.ipv4.ip_unprivileged_port_start";

  /**
   * The uid/gid of the non-root images (images/qemu, the sidecar's Jib image): the pod's fsGroup,
   * so the qemu container can write disk images on freshly provisioned claims.
   */
  public static final long IMAGE_UID = 65532L;

  /** The pod's launch revision (see {@link Launch#revision()}); also a label, to select by. */
  public static final String REVISION = QemuVMApi.GROUP + "/launch-revision";

  /** The boot-time fields the pod's QEMU runs with ({@link BootConfig#canonical()}). */
  public static final String BOOT = QemuVMApi.GROUP + "/boot";

  /** The restart request the pod was created for (the QemuVM's annotation at the time). */
  public static final String RESTARTED_AT = QemuVMApi.RESTARTED_AT_ANNOTATION;

  private final OperatorConfig config;

  public VmPod(OperatorConfig config) {
    this.config = config;
  }

  /** What a pod was launched for, from its annotations; empty when it does not say. */
  public static Optional<Launch> launchOf(Pod pod) {
    Map<String, String> annotations = pod.getMetadata().getAnnotations();
    if (annotations == null) {
      return Optional.empty();
    }
    return BootConfig.parse(annotations.get(BOOT))
        .map(boot -> new Launch(boot, annotations.get(RESTARTED_AT)));
  }

  public Pod desired(QemuVM vm) {
    VmLaunch launch = VmLaunch.of(vm);
    Launch revision = SpecReader.launch(vm);
    var volumes = new ArrayList<Volume>();
    volumes.add(
        new VolumeBuilder()
            .withName(QMP_VOLUME)
            .withNewEmptyDir()
            .withMedium("Memory")
            .endEmptyDir()
            .build());
    volumes.add(
        new VolumeBuilder()
            .withName(TOKEN_VOLUME)
            .withNewSecret()
            .withSecretName(VmResources.secretName(vm))
            .withDefaultMode(0400)
            .endSecret()
            .build());
    var qemuMounts = new ArrayList<VolumeMount>();
    qemuMounts.add(mount(QMP_VOLUME, VmResources.QMP_DIR.toString(), false));
    var diskMounts = new java.util.HashMap<String, VolumeMount>();
    for (VmLaunch.Disk disk : launch.disks()) {
      String volume = "disk-" + disk.name();
      volumes.add(
          new VolumeBuilder()
              .withName(volume)
              .withNewPersistentVolumeClaim()
              .withClaimName(
                  disk.source() instanceof VmLaunch.Source.Claim claim
                      ? claim.claimName()
                      : VmResources.claimName(vm, disk.name()))
              .endPersistentVolumeClaim()
              .build());
      VolumeMount diskMount = mount(volume, VmResources.diskMount(disk.name()).toString(), false);
      qemuMounts.add(diskMount);
      diskMounts.put(disk.name(), diskMount);
    }
    for (VmLaunch.Cdrom cdrom : launch.cdroms()) {
      // the user's media: read-only, in the claim and in the container
      String volume = "cdrom-" + cdrom.name();
      volumes.add(
          new VolumeBuilder()
              .withName(volume)
              .withNewPersistentVolumeClaim()
              .withClaimName(cdrom.claimName())
              .withReadOnly(true)
              .endPersistentVolumeClaim()
              .build());
      qemuMounts.add(mount(volume, cdrom.mount().toString(), true));
    }
    cloudInitVolumes(vm, volumes, qemuMounts);
    long memory = launch.memoryBytes() + config.memoryOverheadBytes();
    return new PodBuilder()
        .withNewMetadata()
        .withName(VmResources.podName(vm))
        .withNamespace(vm.getMetadata().getNamespace())
        .withLabels(VmResources.labels(vm))
        .addToLabels(REVISION, revision.revision())
        .addToAnnotations(BOOT, revision.boot().canonical())
        .addToAnnotations(RESTARTED_AT, revision.restartedAt())
        .withOwnerReferences(VmResources.owner(vm))
        .endMetadata()
        .withNewSpec()
        .withRestartPolicy("Always")
        .withEnableServiceLinks(false)
        .withAutomountServiceAccountToken(false)
        .withSecurityContext(podSecurity(launch, kvm(vm)))
        .withTerminationGracePeriodSeconds(30L)
        .withVolumes(volumes)
        .withInitContainers(
            DiskImport.initContainer(
                    launch,
                    config.sidecarImage(),
                    diskMounts,
                    config.sidecarPort(),
                    mount(TOKEN_VOLUME, VmResources.TOKEN_DIR.toString(), true))
                .stream()
                .toList())
        .withContainers(qemu(launch, qemuMounts, memory, SpecReader.spec(vm)), sidecar(launch))
        .endSpec()
        .build();
  }

  /**
   * fsGroup, so the qemu container writes disk images on fresh claims; with declared ports, ports
   * below 1024 may be bound without privileges (QEMU forwards them as uid 65532; a safe sysctl).
   */
  private static PodSecurityContext podSecurity(VmLaunch launch, KvmAccess kvm) {
    var security =
        new PodSecurityContextBuilder()
            .withFsGroup(IMAGE_UID)
            .withNewSeccompProfile()
            .withType("RuntimeDefault")
            .endSeccompProfile();
    kvm.supplementalGroup().ifPresent(security::addToSupplementalGroups);
    if (launch.ports().stream().anyMatch(p -> p.port() < 1024)) {
      security.addNewSysctl().withName(UNPRIVILEGED_PORT_START).withValue("0").endSysctl();
    }
    return security.build();
  }

  /**
   * The seed's folder (an in-memory emptyDir) and, for data that comes from a Secret, that Secret's
   * key mounted read-only into the qemu container only: the container script copies it into the
   * seed, so the data never enters the QemuVM or the pod's spec.
   */
  private static void cloudInitVolumes(QemuVM vm, List<Volume> volumes, List<VolumeMount> mounts) {
    CloudInitSpec cloudInit = SpecReader.spec(vm).getCloudInit();
    if (cloudInit == null) {
      return;
    }
    volumes.add(
        new VolumeBuilder()
            .withName(SEED_VOLUME)
            .withNewEmptyDir()
            .withMedium("Memory")
            .endEmptyDir()
            .build());
    mounts.add(mount(SEED_VOLUME, VmResources.SEED_DIR.toString(), false));
    secretFile(
        cloudInit.getUserDataSecretRef(),
        CloudInitSpec.DEFAULT_USER_DATA_KEY,
        VmResources.USER_DATA,
        volumes,
        mounts);
    secretFile(
        cloudInit.getNetworkDataSecretRef(),
        CloudInitSpec.DEFAULT_NETWORK_DATA_KEY,
        VmResources.NETWORK_CONFIG,
        volumes,
        mounts);
  }

  private static void secretFile(
      SecretKeyRef ref,
      String defaultKey,
      String file,
      List<Volume> volumes,
      List<VolumeMount> mounts) {
    if (ref == null) {
      return;
    }
    String volume = VmResources.cloudInitSecretVolume(file);
    volumes.add(
        new VolumeBuilder()
            .withName(volume)
            .withNewSecret()
            .withSecretName(ref.getName())
            .addNewItem()
            .withKey(ref.getKey() == null ? defaultKey : ref.getKey())
            .withPath(file)
            .endItem()
            .withDefaultMode(0440)
            .endSecret()
            .build());
    mounts.add(mount(volume, VmResources.cloudInitSecretFile(file).getParent().toString(), true));
  }

  /** The operator's accelerator and /dev/kvm access, with the VM's accelerator when it sets one. */
  private KvmAccess kvm(QemuVM vm) {
    return config.kvm().forVm(SpecReader.spec(vm).getAccelerator());
  }

  private Container qemu(VmLaunch launch, List<VolumeMount> mounts, long memory, QemuVMSpec spec) {
    KvmAccess kvm = config.kvm().forVm(spec.getAccelerator());
    var resources =
        new java.util.LinkedHashMap<>(
            Map.of(
                "memory", new Quantity(Long.toString(memory)),
                "cpu", new Quantity(config.cpuRequestMillis(launch.cpus()) + "m")));
    var limits =
        new java.util.LinkedHashMap<>(Map.of("memory", new Quantity(Long.toString(memory))));
    // /dev/kvm from the device plugin: an extended resource, asked for in requests and limits alike
    kvm.requestedResource()
        .ifPresent(
            resource -> {
              resources.put(resource, new Quantity("1"));
              limits.put(resource, new Quantity("1"));
            });
    var container =
        new ContainerBuilder()
            .withName(VmResources.QEMU_CONTAINER)
            .withImage(config.qemuImage())
            .withCommand(
                "/bin/sh", "-c", QemuCommandLine.containerScript(launch, kvm.accelerator()))
            .withVolumeMounts(mounts)
            .withPorts(
                launch.ports().stream()
                    .map(
                        port ->
                            new ContainerPortBuilder()
                                .withName(port.name())
                                .withContainerPort(port.port())
                                .withProtocol(port.protocol().name())
                                .build())
                    .toList())
            .withNewResources()
            .withRequests(resources)
            .withLimits(limits)
            .endResources()
            .withSecurityContext(ContainerSecurity.restricted());
    SpecReader.readiness(spec)
        .ifPresent(
            probe ->
                container
                    .withNewReadinessProbe()
                    .withNewHttpGet()
                    .withNewPort(probe.getPort())
                    .withPath(SpecReader.path(probe))
                    .endHttpGet()
                    .withPeriodSeconds(SpecReader.periodSeconds(probe))
                    .withFailureThreshold(SpecReader.failureThreshold(probe))
                    .withSuccessThreshold(1)
                    .withTimeoutSeconds(1)
                    .endReadinessProbe());
    return container.build();
  }

  private Container sidecar(VmLaunch launch) {
    var args =
        new ArrayList<>(
            List.of(
                "--qmp",
                VmResources.QMP_SOCKET.toString(),
                "--listen",
                "0.0.0.0:" + config.sidecarPort(),
                "--token-file",
                VmResources.TOKEN_FILE.toString(),
                // the power-down sequence ends with quit once the grace period is over
                "--allow",
                "quit",
                // the guest's serial console (/v1/console) and its log, kept bounded
                "--console",
                VmResources.CONSOLE_SOCKET.toString(),
                "--console-log",
                VmResources.CONSOLE_LOG.toString()));
    if (launch.guestAgent()) {
      // the guest agent's port: the sidecar follows the agent for /v1/state (never its commands)
      args.add(GUEST_AGENT_FLAG);
      args.add(VmResources.GUEST_AGENT_SOCKET.toString());
    }
    return new ContainerBuilder()
        .withName(VmResources.SIDECAR_CONTAINER)
        .withImage(config.sidecarImage())
        .withArgs(args)
        .addNewPort()
        .withName("qmp-http")
        .withContainerPort(config.sidecarPort())
        .withProtocol("TCP")
        .endPort()
        .withVolumeMounts(
            mount(QMP_VOLUME, VmResources.QMP_DIR.toString(), false),
            mount(TOKEN_VOLUME, VmResources.TOKEN_DIR.toString(), true))
        .withNewReadinessProbe()
        .withNewHttpGet()
        .withPath("/readyz")
        .withNewPort(config.sidecarPort())
        .endHttpGet()
        .withPeriodSeconds(2)
        .endReadinessProbe()
        .withNewLivenessProbe()
        .withNewHttpGet()
        .withPath("/healthz")
        .withNewPort(config.sidecarPort())
        .endHttpGet()
        .withPeriodSeconds(10)
        .endLivenessProbe()
        .withNewResources()
        .withRequests(Map.of("memory", new Quantity("64Mi"), "cpu", new Quantity("50m")))
        .withLimits(Map.of("memory", new Quantity("128Mi")))
        .endResources()
        .withSecurityContext(ContainerSecurity.restricted())
        .build();
  }

  private static VolumeMount mount(String volume, String path, boolean readOnly) {
    return new VolumeMountBuilder()
        .withName(volume)
        .withMountPath(path)
        .withReadOnly(readOnly)
        .build();
  }
}
