package io.qemuoperator.operator.testing;

import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.api.v1alpha1.spec.DiskSpec;
import io.qemuoperator.operator.plan.BootConfig;
import io.qemuoperator.operator.plan.SpecReader;
import io.qemuoperator.operator.pod.DiskClaims;
import io.qemuoperator.operator.pod.TokenSecret;
import io.qemuoperator.operator.pod.VmPod;
import io.qemuoperator.operator.pod.VmResources;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plays the kubelet and the volume provisioner on an API server that has neither (Fabric8's mock
 * server): every VM pod the operator creates is, once its claims are bound, reported Running with
 * an address of its own (127.0.x.y) and both containers running, and gets a {@link TestingQemu} in
 * the {@link TestingSidecar}, launched as the pod's {@code qemu-operator.io/boot} annotation says,
 * with the disk sizes the QemuVM's spec declares at that moment. A deleted pod takes its QEMU with
 * it.
 *
 * <p>Claims are bound at once with the storage they request; a claim whose request grows gets that
 * capacity, unless the test holds the expansion of that claim ({@link #holdExpansion}).
 *
 * <p>Like the mock server itself, it collects no garbage and runs no admission.
 */
public final class TestingKubelet implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TestingKubelet.class);
  private static final String STORAGE = "storage";
  private static final String SELECTOR = VmResources.LABEL_MANAGED_BY + "=" + VmResources.MANAGER;

  private final KubernetesClient client;
  private final TestingSidecar sidecars;
  private final SharedIndexInformer<Pod> pods;
  private final SharedIndexInformer<PersistentVolumeClaim> claims;

  /** Pod uid → the address its QEMU answers on. */
  private final Map<String, String> addresses = new ConcurrentHashMap<>();

  private final Set<String> held = ConcurrentHashMap.newKeySet();
  private final AtomicInteger nextAddress = new AtomicInteger();

  public TestingKubelet(KubernetesClient client, TestingSidecar sidecars) {
    this.client = client;
    this.sidecars = sidecars;
    this.pods =
        client
            .pods()
            .inAnyNamespace()
            .withLabelSelector(SELECTOR)
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(Pod pod) {
                    run(pod);
                  }

                  @Override
                  public void onUpdate(Pod old, Pod pod) {
                    if (pod.isMarkedForDeletion()) {
                      stop(pod);
                      // as a kubelet does once the containers are gone: remove the pod for good
                      client.pods().resource(pod).withGracePeriod(0).delete();
                    } else {
                      run(pod);
                    }
                  }

                  @Override
                  public void onDelete(Pod pod, boolean unknown) {
                    stop(pod);
                  }
                });
    this.claims =
        client
            .persistentVolumeClaims()
            .inAnyNamespace()
            .withLabelSelector(SELECTOR)
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(PersistentVolumeClaim claim) {
                    provision(claim);
                  }

                  @Override
                  public void onUpdate(PersistentVolumeClaim old, PersistentVolumeClaim claim) {
                    provision(claim);
                  }

                  @Override
                  public void onDelete(PersistentVolumeClaim claim, boolean unknown) {}
                });
  }

  /** The address of a pod's QEMU (its podIP), once the pod runs. */
  public String address(Pod pod) {
    return addresses.get(pod.getMetadata().getUid());
  }

  /** The provisioner leaves claim {@code namespace/name} at its size when its request grows. */
  public void holdExpansion(String namespace, String name) {
    held.add(namespace + "/" + name);
  }

  /** The provisioner grows claim {@code namespace/name} again, at once if it waits. */
  public void releaseExpansion(String namespace, String name) {
    held.remove(namespace + "/" + name);
    PersistentVolumeClaim claim =
        client.persistentVolumeClaims().inNamespace(namespace).withName(name).get();
    if (claim != null) {
      provision(claim);
    }
  }

  private synchronized void run(Pod pod) {
    String uid = pod.getMetadata().getUid();
    if (pod.isMarkedForDeletion() || addresses.containsKey(uid) || !claimsBound(pod)) {
      return;
    }
    String namespace = pod.getMetadata().getNamespace();
    BootConfig boot =
        BootConfig.parse(pod.getMetadata().getAnnotations().get(VmPod.BOOT))
            .orElseThrow(() -> new IllegalStateException("pod without boot annotation: " + uid));
    QemuVM vm =
        client
            .resources(QemuVM.class)
            .inNamespace(namespace)
            .withName(pod.getMetadata().getLabels().get(VmResources.LABEL_VM))
            .get();
    if (vm == null) {
      return; // its QemuVM is gone: nothing to run
    }
    var disks = new LinkedHashMap<String, Long>();
    for (String disk : boot.disks()) {
      disks.put(disk, specSize(vm, disk));
    }
    String address = nextAddress();
    addresses.put(uid, address);
    sidecars.start(address, new TestingQemu(token(pod), boot.cpus(), boot.memoryBytes(), disks));
    String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    try {
      client
          .pods()
          .inNamespace(namespace)
          .withName(pod.getMetadata().getName())
          .editStatus(
              current ->
                  new PodBuilder(current)
                      .editOrNewStatus()
                      .withPhase("Running")
                      .withPodIP(address)
                      .withStartTime(now)
                      .withContainerStatuses(
                          running(VmResources.QEMU_CONTAINER, now),
                          running(VmResources.SIDECAR_CONTAINER, now))
                      .endStatus()
                      .build());
    } catch (KubernetesClientException e) {
      log.info("pod {}/{} went away before it ran", namespace, pod.getMetadata().getName());
      stop(pod);
    }
  }

  /**
   * True when every claim the pod mounts is bound, as the API server says now: until then a pod
   * stays Pending, as a real one does.
   */
  private boolean claimsBound(Pod pod) {
    return pod.getSpec().getVolumes().stream()
        .map(Volume::getPersistentVolumeClaim)
        .filter(Objects::nonNull)
        .allMatch(
            volume -> {
              PersistentVolumeClaim claim =
                  client
                      .persistentVolumeClaims()
                      .inNamespace(pod.getMetadata().getNamespace())
                      .withName(volume.getClaimName())
                      .get();
              return claim != null
                  && claim.getStatus() != null
                  && "Bound".equals(claim.getStatus().getPhase());
            });
  }

  /** Runs the pods that waited for a claim to be bound. */
  private void runWaitingPods() {
    pods.getStore().list().forEach(this::run);
  }

  private static io.fabric8.kubernetes.api.model.ContainerStatus running(String name, String at) {
    return new ContainerStatusBuilder()
        .withName(name)
        .withReady(true)
        .withStarted(true)
        .withRestartCount(0)
        .withNewState()
        .withNewRunning(at)
        .endState()
        .build();
  }

  private void stop(Pod pod) {
    String address = addresses.remove(pod.getMetadata().getUid());
    if (address != null) {
      sidecars.remove(address);
    }
  }

  /** The disk's size as the QemuVM's spec says now (a disk qemu-img creates at that size). */
  private static long specSize(QemuVM vm, String disk) {
    return SpecReader.disks(SpecReader.spec(vm)).stream()
        .filter(d -> d.getName().equals(disk))
        .map(DiskSpec::getSize)
        .map(SpecReader::bytes)
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("no disk " + disk + " in the spec"));
  }

  /** The token the pod's sidecar reads from its Secret volume. */
  private String token(Pod pod) {
    String secret =
        pod.getSpec().getVolumes().stream()
            .map(Volume::getSecret)
            .filter(Objects::nonNull)
            .findFirst()
            .orElseThrow()
            .getSecretName();
    Secret mounted =
        client.secrets().inNamespace(pod.getMetadata().getNamespace()).withName(secret).get();
    return TokenSecret.token(mounted);
  }

  private String nextAddress() {
    int n = nextAddress.getAndIncrement();
    return "127.0." + (n / 250) + "." + (n % 250 + 2);
  }

  private void provision(PersistentVolumeClaim claim) {
    bindOrGrow(claim);
    runWaitingPods();
  }

  private void bindOrGrow(PersistentVolumeClaim claim) {
    String key = claim.getMetadata().getNamespace() + "/" + claim.getMetadata().getName();
    boolean bound = claim.getStatus() != null && "Bound".equals(claim.getStatus().getPhase());
    long request = DiskClaims.requestBytes(claim);
    OptionalLong capacity = DiskClaims.capacity(claim);
    if (bound && (held.contains(key) || capacity.orElse(0) >= request)) {
      return;
    }
    Quantity size = claim.getSpec().getResources().getRequests().get(STORAGE);
    try {
      client
          .persistentVolumeClaims()
          .inNamespace(claim.getMetadata().getNamespace())
          .withName(claim.getMetadata().getName())
          .editStatus(
              current ->
                  new PersistentVolumeClaimBuilder(current)
                      .editOrNewStatus()
                      .withPhase("Bound")
                      .withAccessModes(current.getSpec().getAccessModes())
                      .withCapacity(Map.of(STORAGE, size))
                      .endStatus()
                      .build());
    } catch (KubernetesClientException e) {
      log.info("claim {} went away before it was bound", key);
    }
  }

  @Override
  public void close() {
    pods.close();
    claims.close();
  }
}
