package io.qemuoperator.local;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.qemuoperator.operator.pod.VmResources;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plays the kubelet for VM pods on this machine: for every pod the operator creates it runs the
 * pod's containers as local processes ({@link RunningPod}) — the qemu container's script with real
 * QEMU, the real sidecar as its own process (its launcher script {@code
 * qmp-sidecar/bin/qmp-sidecar} on the shaded jar, {@link SidecarLauncher}) with the pod's arguments
 * and mounted token — gives the pod its own loopback address (127.0.x.y, so every sidecar listens
 * on the pod's port as in a cluster), reports the pod Running with that podIP once the sidecar
 * answers, reports a container that exits as a kubelet does (terminated, restart count) and
 * restarts it (restartPolicy Always), and stops everything when the pod is deleted or the agent
 * closes.
 *
 * <p>Paths of the pod are mapped to this machine's: the QMP emptyDir and the token into one folder
 * per pod, each claim's mount to the folder of the volume the claim is bound to (a hostPath), so a
 * disk's data lives with its claim and outlives the pod. Like a kubelet, the agent waits for every
 * claim of a pod to be bound before it runs the pod, which stays Pending meanwhile. Each QEMU also
 * gets a second, independent QMP monitor ({@code observer.sock}) for tests.
 */
public final class NodeAgent implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(NodeAgent.class);

  private final KubernetesClient client;
  private final Path root;
  private final PodRuntime runtime;
  private final SharedIndexInformer<Pod> informer;
  private final Map<String, RunningPod> pods = new ConcurrentHashMap<>();

  /** The stops in progress, by pod key (see {@link #stopInBackground}). */
  private final Map<String, Thread> stops = new ConcurrentHashMap<>();

  private final ServedNamespaces namespaces;

  /** Why a pod waits (its unbound claims), by the pod's uid: reported once per reason. */
  private final Map<String, String> waiting = new ConcurrentHashMap<>();

  /** Looks again at pods that wait for their claims. */
  private final ScheduledExecutorService retries =
      Executors.newSingleThreadScheduledExecutor(
          r -> Thread.ofPlatform().daemon().name("node-agent-volumes").unstarted(r));

  /** How often a pod that waits for its claims is looked at again. */
  static final Duration VOLUME_RETRY = Duration.ofMillis(200);

  /** Shared by every agent of this JVM: two local clusters never hand out the same address. */
  private static final AtomicInteger addresses = new AtomicInteger();

  /** An agent for the VM pods of every namespace. */
  public NodeAgent(KubernetesClient client, Path root) {
    this(client, root, Set.of());
  }

  /**
   * An agent for the VM pods of {@code namespaces} only (empty: every namespace), as a node that
   * several clusters' tests share would be: pods elsewhere are left alone.
   */
  public NodeAgent(KubernetesClient client, Path root, Set<String> namespaces) {
    this.client = client;
    this.root = root;
    this.namespaces = new ServedNamespaces(namespaces);
    this.runtime =
        new PodRuntime(
            client,
            System.getenv().getOrDefault("QEMU_SYSTEM", "qemu-system-x86_64"),
            SidecarLauncher.of(System.getenv()),
            HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .proxy(HttpClient.Builder.NO_PROXY)
                .connectTimeout(Duration.ofSeconds(2))
                .build());
    this.informer =
        client
            .pods()
            .inAnyNamespace()
            .withLabel(VmResources.LABEL_NAME, VmResources.POD_APP)
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(Pod pod) {
                    if (serves(pod)) {
                      // off the informer's one event thread: a successor of a pod still stopping
                      // waits for that stop, and no other pod waits with it
                      Thread.ofVirtual()
                          .name("start-" + key(pod))
                          .start(
                              () -> {
                                awaitStop(key(pod));
                                start(pod);
                              });
                    }
                  }

                  @Override
                  public void onUpdate(Pod old, Pod pod) {
                    if (serves(pod) && pod.getMetadata().getDeletionTimestamp() != null) {
                      stopThenRemove(pod);
                    }
                  }

                  @Override
                  public void onDelete(Pod pod, boolean unknown) {
                    stopInBackground(key(pod), () -> {});
                  }
                });
  }

  private boolean serves(Pod pod) {
    return namespaces.serves(pod);
  }

  static String key(Pod pod) {
    return pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
  }

  /** The pod's folder: {@code qmp/}, {@code token}, logs, {@code observer.sock}. */
  public Path podDir(String namespace, String pod) {
    return root.resolve(namespace + "-" + pod);
  }

  /**
   * The pod's serial console log ({@link VmResources#CONSOLE_LOG} in the pod's emptyDir, here
   * {@code <pod folder>/qmp/console.log}): everything the guest wrote to ttyS0 since the pod's
   * first QEMU started, for tests that read what the guest says.
   */
  public Path consoleLog(String namespace, String pod) {
    return podDir(namespace, pod).resolve("qmp").resolve(VmResources.CONSOLE_LOG.getFileName());
  }

  /** The pod's serial console socket (one client at a time: normally its sidecar). */
  public Path consoleSocket(String namespace, String pod) {
    return podDir(namespace, pod).resolve("qmp").resolve(VmResources.CONSOLE_SOCKET.getFileName());
  }

  /**
   * What the pod's QEMU wrote to stdout and stderr (its trace events too), every start appended.
   */
  public Path qemuLog(String namespace, String pod) {
    return podDir(namespace, pod).resolve("qemu.log");
  }

  public Path observerSocket(String namespace, String pod) {
    return podDir(namespace, pod).resolve("observer.sock");
  }

  /** The QEMU process of a pod, for tests that kill it. */
  public ProcessHandle qemu(String namespace, String pod) {
    return pods.get(namespace + "/" + pod).qemu();
  }

  /** The sidecar process of a pod while one runs, for tests that kill it. */
  public Optional<ProcessHandle> sidecar(String namespace, String pod) {
    return pods.get(namespace + "/" + pod).sidecar();
  }

  /** The keys ({@code namespace/name}) of the pods this agent runs now. */
  public Set<String> runningPods() {
    return Set.copyOf(pods.keySet());
  }

  /**
   * Stops the pod's sidecar process and starts a new one on the pod's address; returns once it
   * answers. For tests.
   */
  public void restartSidecar(String namespace, String pod)
      throws IOException, InterruptedException {
    pods.get(namespace + "/" + pod).restartSidecar();
  }

  /**
   * The folder of the volume {@code claim} is bound to (its hostPath), once the claim is Bound to a
   * volume that names it back.
   */
  public Optional<Path> claimFolder(String namespace, String claim) {
    PersistentVolumeClaim bound =
        client.persistentVolumeClaims().inNamespace(namespace).withName(claim).get();
    if (bound == null
        || bound.getStatus() == null
        || !"Bound".equals(bound.getStatus().getPhase())
        || bound.getSpec().getVolumeName() == null) {
      return Optional.empty();
    }
    PersistentVolume volume =
        client.persistentVolumes().withName(bound.getSpec().getVolumeName()).get();
    if (volume == null
        || volume.getSpec().getClaimRef() == null
        || !bound.getMetadata().getUid().equals(volume.getSpec().getClaimRef().getUid())
        || volume.getSpec().getHostPath() == null) {
      return Optional.empty();
    }
    return Optional.of(Path.of(volume.getSpec().getHostPath().getPath()));
  }

  /**
   * The folders of the pod's claims by where the qemu container mounts them, and the claims not
   * bound yet.
   */
  private record ClaimMounts(Map<String, Path> folders, List<String> unbound) {}

  private ClaimMounts claimMounts(Pod pod) {
    Map<String, String> mountPaths = new HashMap<>();
    for (VolumeMount mount : container(pod, VmResources.QEMU_CONTAINER).getVolumeMounts()) {
      mountPaths.put(mount.getName(), mount.getMountPath());
    }
    Map<String, Path> folders = new HashMap<>();
    List<String> unbound = new ArrayList<>();
    for (Volume volume : pod.getSpec().getVolumes()) {
      if (volume.getPersistentVolumeClaim() == null) {
        continue;
      }
      String claim = volume.getPersistentVolumeClaim().getClaimName();
      Optional<Path> folder = claimFolder(pod.getMetadata().getNamespace(), claim);
      if (folder.isEmpty()) {
        unbound.add(claim);
      } else if (mountPaths.containsKey(volume.getName())) {
        folders.put(mountPaths.get(volume.getName()), folder.get());
      }
    }
    return new ClaimMounts(Map.copyOf(folders), List.copyOf(unbound));
  }

  private synchronized void start(Pod pod) {
    String key = key(pod);
    // the informer's own field is set once inform() returns: its first events may come before
    Pod current = informer == null ? pod : informer.getStore().get(pod);
    if (pods.containsKey(key)
        || current == null
        || !current.getMetadata().getUid().equals(pod.getMetadata().getUid())
        || current.getMetadata().getDeletionTimestamp() != null) {
      return; // running, or deleted since (the store is updated before the deletion's event)
    }
    try {
      ClaimMounts mounts = claimMounts(pod);
      if (!mounts.unbound().isEmpty()) {
        waitForClaims(pod, mounts.unbound());
        return;
      }
      waiting.remove(pod.getMetadata().getUid());
      var running =
          new RunningPod(
              runtime,
              pod,
              podDir(pod.getMetadata().getNamespace(), pod.getMetadata().getName()),
              mounts.folders());
      pods.put(key, running);
      running.start();
    } catch (IOException | RuntimeException e) {
      log.error("node agent: cannot run pod {}", key, e);
    }
  }

  /**
   * Reports the pod Pending, as the scheduler does for a pod whose claims are not bound (once per
   * reason), and looks again shortly, for as long as this pod exists.
   */
  private void waitForClaims(Pod pod, List<String> unbound) {
    String message =
        "0/1 nodes are available: 1 pod has unbound immediate PersistentVolumeClaims ("
            + String.join(", ", unbound)
            + ")";
    if (!message.equals(waiting.put(pod.getMetadata().getUid(), message))) {
      log.info("node agent: pod {} waits for its claims to be bound: {}", key(pod), unbound);
      reportWaiting(pod, message);
    }
    try {
      retries.schedule(() -> retry(pod), VOLUME_RETRY.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException closed) {
      // the agent is closing: the pod will not run here
    }
  }

  private void retry(Pod waited) {
    Pod current = informer.getStore().get(waited);
    if (current == null
        || !current.getMetadata().getUid().equals(waited.getMetadata().getUid())
        || current.getMetadata().getDeletionTimestamp() != null) {
      waiting.remove(waited.getMetadata().getUid());
      return; // gone, or another pod of that name (which has its own start)
    }
    start(current);
  }

  private void reportWaiting(Pod pod, String message) {
    var pods = client.pods().inNamespace(pod.getMetadata().getNamespace());
    Pod current = pods.withName(pod.getMetadata().getName()).get();
    if (current == null || !current.getMetadata().getUid().equals(pod.getMetadata().getUid())) {
      return;
    }
    current.setStatus(
        new PodStatusBuilder()
            .withPhase("Pending")
            .addNewCondition()
            .withType("PodScheduled")
            .withStatus("False")
            .withReason("Unschedulable")
            .withMessage(message)
            .withLastTransitionTime(now())
            .endCondition()
            .build());
    try {
      pods.resource(current).updateStatus();
    } catch (KubernetesClientException e) {
      log.warn("node agent: cannot report pod {} Pending: {}", key(pod), e.getMessage());
    }
  }

  /**
   * Stops a deleted pod's containers, then removes the pod for good, as a kubelet does once the
   * containers are gone (the pod's name is free for a successor only then).
   */
  private void stopThenRemove(Pod pod) {
    stopInBackground(
        key(pod),
        () -> {
          try {
            client.pods().resource(pod).withGracePeriod(0).delete();
          } catch (KubernetesClientException | IllegalStateException e) {
            // already gone, or the cluster closes meanwhile (its client closed: "Client already
            // closed"): nothing of it runs here
            log.info("node agent: pod {} not removed: {}", key(pod), e.getMessage());
          }
        });
  }

  /**
   * Stops the pod's containers on a thread of its own, then runs {@code then}: a stop waits for the
   * pod's processes (seconds, longer when a container's exit is being handled), and the informer's
   * one event thread must not wait with it, or every other pod's start waits too. The pod leaves
   * {@link #pods} at once, so a successor of the same name is not taken for it.
   */
  private void stopInBackground(String key, Runnable then) {
    RunningPod running;
    synchronized (this) { // after a start that began, or before one that then sees the deletion
      running = pods.remove(key);
    }
    Thread stop =
        Thread.ofVirtual()
            .name("stop-" + key)
            .unstarted(
                () -> {
                  try {
                    if (running != null) {
                      running.stop();
                    }
                    then.run();
                  } finally {
                    stops.remove(key, Thread.currentThread());
                  }
                });
    stops.put(key, stop);
    stop.start();
  }

  /** Waits for the stop of an earlier pod of that name: its successor uses the same folder. */
  private void awaitStop(String key) {
    Thread stop = stops.get(key);
    if (stop == null) {
      return;
    }
    try {
      stop.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void stop(String key) {
    RunningPod running = pods.remove(key);
    if (running != null) {
      running.stop();
    }
  }

  @Override
  public void close() {
    informer.close();
    retries.shutdownNow();
    // every pod at once: each waits for its sidecar's JVM to end
    List<Thread> all =
        new ArrayList<>(
            pods.keySet().stream().map(key -> Thread.ofVirtual().start(() -> stop(key))).toList());
    all.addAll(stops.values()); // and those that began before
    for (Thread stop : all) {
      try {
        stop.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    runtime.http().close();
  }

  static Container container(Pod pod, String name) {
    return pod.getSpec().getContainers().stream()
        .filter(c -> c.getName().equals(name))
        .findFirst()
        .orElseThrow();
  }

  /**
   * The next pod address, 127.0.x.y: handed out in turn by every agent of this JVM, so that two
   * local clusters never hand out the same address.
   */
  static String nextPodIp() {
    int n = addresses.getAndIncrement() % (254 * 254);
    return "127.0." + (1 + n / 254) + "." + (1 + n % 254);
  }

  static String now() {
    return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
  }
}
