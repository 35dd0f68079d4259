package io.qemuoperator.local;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.qemuoperator.operator.pod.TokenSecret;
import io.qemuoperator.operator.pod.VmResources;
import io.qemuoperator.sidecar.Sidecar;
import io.qemuoperator.sidecar.SidecarConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plays the kubelet for VM pods on this machine: for every pod the operator creates it runs the
 * pod's containers as local processes — the qemu container's script with real QEMU, the real
 * sidecar with the pod's arguments and mounted token — gives the pod its own loopback address
 * (127.0.x.y, so every sidecar listens on the pod's port as in a cluster), reports the pod Running
 * with that podIP, reports a QEMU that exits as a kubelet does (terminated, restart count) and
 * restarts it (restartPolicy Always), and stops everything when the pod is deleted.
 *
 * <p>Paths of the pod (the QMP emptyDir, the disk claims, the token) are mapped into one folder per
 * pod. Each QEMU also gets a second, independent QMP monitor ({@code observer.sock}) for tests.
 */
public final class NodeAgent implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(NodeAgent.class);

  private final KubernetesClient client;
  private final Path root;
  private final String qemuBinary;
  private final SharedIndexInformer<Pod> informer;
  private final Map<String, RunningPod> pods = new ConcurrentHashMap<>();
  private final Set<String> namespaces;

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
    this.namespaces = Set.copyOf(namespaces);
    this.qemuBinary = System.getenv().getOrDefault("QEMU_SYSTEM", "qemu-system-x86_64");
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
                      start(pod);
                    }
                  }

                  @Override
                  public void onUpdate(Pod old, Pod pod) {
                    if (serves(pod) && pod.getMetadata().getDeletionTimestamp() != null) {
                      stop(key(pod));
                      // As a kubelet does once the containers are gone: remove the pod for good.
                      client.pods().resource(pod).withGracePeriod(0).delete();
                    }
                  }

                  @Override
                  public void onDelete(Pod pod, boolean unknown) {
                    stop(key(pod));
                  }
                });
  }

  private boolean serves(Pod pod) {
    return namespaces.isEmpty() || namespaces.contains(pod.getMetadata().getNamespace());
  }

  private static String key(Pod pod) {
    return pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
  }

  /** The pod's folder: {@code qmp/}, {@code disks/}, {@code token}, logs, {@code observer.sock}. */
  public Path podDir(String namespace, String pod) {
    return root.resolve(namespace + "-" + pod);
  }

  public Path observerSocket(String namespace, String pod) {
    return podDir(namespace, pod).resolve("observer.sock");
  }

  /** The QEMU process of a pod, for tests that kill it. */
  public ProcessHandle qemu(String namespace, String pod) {
    return pods.get(namespace + "/" + pod).qemu.toHandle();
  }

  /** The keys ({@code namespace/name}) of the pods this agent runs now. */
  public Set<String> runningPods() {
    return Set.copyOf(pods.keySet());
  }

  /** The pod's sidecar, for tests that stop it. */
  public void restartSidecar(String namespace, String pod) throws IOException {
    pods.get(namespace + "/" + pod).restartSidecar();
  }

  private synchronized void start(Pod pod) {
    String key = key(pod);
    if (pods.containsKey(key) || pod.getMetadata().getDeletionTimestamp() != null) {
      return;
    }
    try {
      var running = new RunningPod(pod);
      pods.put(key, running);
      running.start();
    } catch (IOException | RuntimeException e) {
      log.error("node agent: cannot run pod {}", key, e);
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
    List.copyOf(pods.keySet()).forEach(this::stop);
  }

  private final class RunningPod {
    private final Pod pod;
    private final Path dir;
    private final List<String> sidecarArgs;
    private String ip;
    private SidecarConfig sidecarConfig;
    private final String script;
    private volatile Process qemu;
    private volatile Sidecar sidecar;
    private volatile boolean stopping;
    private int restarts;

    RunningPod(Pod pod) throws IOException {
      this.pod = pod;
      String namespace = pod.getMetadata().getNamespace();
      this.dir = Files.createDirectories(podDir(namespace, pod.getMetadata().getName()));
      Files.createDirectories(dir.resolve("qmp"));
      Files.createDirectories(dir.resolve("disks"));
      Container qemuContainer = container(VmResources.QEMU_CONTAINER);
      for (Volume volume : pod.getSpec().getVolumes()) {
        if (volume.getPersistentVolumeClaim() != null) {
          Files.createDirectories(
              dir.resolve("disks").resolve(volume.getName().substring("disk-".length())));
        }
      }
      this.script =
          map(qemuContainer.getCommand().get(2))
                  .replace("exec qemu-system-x86_64", "exec " + qemuBinary)
                  .stripTrailing()
              + " -chardev socket,id=observer,path="
              + dir.resolve("observer.sock")
              + ",server=on,wait=off -mon chardev=observer,mode=control\n";
      String secretName =
          pod.getSpec().getVolumes().stream()
              .filter(v -> v.getSecret() != null)
              .findFirst()
              .orElseThrow()
              .getSecret()
              .getSecretName();
      Secret secret = client.secrets().inNamespace(namespace).withName(secretName).get();
      Path token = Files.writeString(dir.resolve("token"), TokenSecret.token(secret));
      List<String> args = new ArrayList<>();
      for (String arg : container(VmResources.SIDECAR_CONTAINER).getArgs()) {
        args.add(map(arg).replace(VmResources.TOKEN_FILE.toString(), token.toString()));
      }
      this.sidecarArgs = List.copyOf(args);
    }

    /**
     * Starts the sidecar on the pod's own loopback address; an address another process on this
     * machine already listens on is skipped for the next one.
     */
    private Sidecar startSidecarOnFreeAddress() throws IOException {
      for (int attempt = 0; ; attempt++) {
        int n = addresses.getAndIncrement() % (254 * 254);
        ip = "127.0." + (1 + n / 254) + "." + (1 + n % 254);
        String[] args =
            sidecarArgs.stream()
                .map(arg -> arg.replace("0.0.0.0:", ip + ":"))
                .toArray(String[]::new);
        sidecarConfig = SidecarConfig.parse(args, Map.of());
        try {
          return Sidecar.start(sidecarConfig);
        } catch (java.net.BindException taken) {
          if (attempt == 20) {
            throw taken;
          }
        }
      }
    }

    private String map(String text) {
      return text.replace(VmResources.QMP_DIR.toString(), dir.resolve("qmp").toString())
          .replace(VmResources.DISKS_DIR.toString(), dir.resolve("disks").toString());
    }

    private Container container(String name) {
      return pod.getSpec().getContainers().stream()
          .filter(c -> c.getName().equals(name))
          .findFirst()
          .orElseThrow();
    }

    void start() throws IOException {
      startQemu();
      sidecar = startSidecarOnFreeAddress();
      report(
          "Running",
          running(VmResources.QEMU_CONTAINER, restarts),
          running(VmResources.SIDECAR_CONTAINER, 0));
      log.info("node agent: pod {} runs at {}", key(pod), ip);
    }

    private void startQemu() throws IOException {
      qemu =
          new ProcessBuilder("sh", "-c", script)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("qemu.log").toFile()))
              .start();
      Process started = qemu;
      started.onExit().thenAccept(exited -> exited(started));
    }

    /** QEMU ended: report it as a kubelet would, then restart it (restartPolicy Always). */
    private synchronized void exited(Process process) {
      if (stopping || process != qemu) {
        return;
      }
      restarts++;
      var terminated =
          new ContainerStatusBuilder()
              .withName(VmResources.QEMU_CONTAINER)
              .withRestartCount(restarts)
              .withReady(false)
              .withNewState()
              .withNewTerminated()
              .withExitCode(process.exitValue())
              .withReason(process.exitValue() == 0 ? "Completed" : "Error")
              .withFinishedAt(now())
              .endTerminated()
              .endState()
              .build();
      report("Running", terminated, running(VmResources.SIDECAR_CONTAINER, 0));
      try {
        Thread.sleep(1000); // the kubelet's restart back-off, shortened
        if (!stopping) {
          Files.deleteIfExists(dir.resolve("qmp").resolve("qmp.sock"));
          startQemu();
          report(
              "Running",
              running(VmResources.QEMU_CONTAINER, restarts),
              running(VmResources.SIDECAR_CONTAINER, 0));
        }
      } catch (IOException | InterruptedException e) {
        log.error("node agent: cannot restart QEMU of {}", key(pod), e);
      }
    }

    void restartSidecar() throws IOException {
      sidecar.close();
      sidecar = Sidecar.start(sidecarConfig);
    }

    void stop() {
      stopping = true;
      if (sidecar != null) {
        sidecar.close();
      }
      if (qemu != null) {
        qemu.destroyForcibly();
        try {
          qemu.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      log.info("node agent: pod {} stopped", key(pod));
    }

    private ContainerStatus running(String name, int restartCount) {
      return new ContainerStatusBuilder()
          .withName(name)
          .withReady(true)
          .withRestartCount(restartCount)
          .withNewState()
          .withNewRunning()
          .withStartedAt(now())
          .endRunning()
          .endState()
          .build();
    }

    private synchronized void report(String phase, ContainerStatus... containers) {
      if (stopping) {
        return;
      }
      Pod current =
          client
              .pods()
              .inNamespace(pod.getMetadata().getNamespace())
              .withName(pod.getMetadata().getName())
              .get();
      if (current == null) {
        return;
      }
      current.setStatus(
          new PodStatusBuilder()
              .withPhase(phase)
              .withPodIP(ip)
              .withHostIP("127.0.0.1")
              .withStartTime(now())
              .withContainerStatuses(containers)
              .build());
      client.pods().inNamespace(pod.getMetadata().getNamespace()).resource(current).updateStatus();
    }
  }

  private static String now() {
    return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
  }
}
