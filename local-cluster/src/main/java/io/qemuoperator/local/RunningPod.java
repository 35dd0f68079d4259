package io.qemuoperator.local;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.qemuoperator.operator.pod.TokenSecret;
import io.qemuoperator.operator.pod.VmResources;
import io.qemuoperator.sidecar.Sidecar;
import io.qemuoperator.sidecar.SidecarConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A VM pod the {@link NodeAgent} runs: its containers as local processes (the qemu container's
 * script with real QEMU, the sidecar), its paths mapped to this machine's, and its status reported
 * as a kubelet reports it; QEMU restarted when it exits (restartPolicy Always).
 */
final class RunningPod {
  private static final Logger log = LoggerFactory.getLogger(RunningPod.class);

  private final KubernetesClient client;
  private final Pod pod;
  private final Path dir;
  private final Map<String, Path> claimFolders;
  private final List<String> sidecarArgs;
  private String ip;
  private SidecarConfig sidecarConfig;
  private final String script;
  private final String qemuBinary;
  private volatile Process qemu;
  private volatile Sidecar sidecar;
  private volatile boolean stopping;
  private int restarts;

  /**
   * The pod, its folder {@code dir}, and {@code claimFolders}: the folder of each claim's volume,
   * by where the pod mounts it.
   */
  RunningPod(
      KubernetesClient client, Pod pod, Path dir, Map<String, Path> claimFolders, String qemuBinary)
      throws IOException {
    this.client = client;
    this.pod = pod;
    this.claimFolders = claimFolders;
    String namespace = pod.getMetadata().getNamespace();
    this.dir = Files.createDirectories(dir);
    Files.createDirectories(dir.resolve("qmp"));
    this.qemuBinary = qemuBinary;
    Container qemuContainer = container(VmResources.QEMU_CONTAINER);
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
      ip = NodeAgent.nextPodIp();
      String[] args =
          sidecarArgs.stream().map(arg -> arg.replace("0.0.0.0:", ip + ":")).toArray(String[]::new);
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

  /**
   * The pod's paths as this machine's: the QMP emptyDir, and every path below a claim's mount (e.g.
   * {@code /var/lib/qemu-operator/disks/root/disk.qcow2}) below its volume's folder. Mounts are
   * matched with their trailing slash, so disk {@code root} never takes {@code root2}'s path.
   */
  private String map(String text) {
    String mapped = text.replace(VmResources.QMP_DIR.toString(), dir.resolve("qmp").toString());
    for (var mount : claimFolders.entrySet()) {
      mapped = mapped.replace(mount.getKey() + "/", mount.getValue() + "/");
    }
    return mapped;
  }

  /** The QEMU process, for tests that kill it. */
  ProcessHandle qemu() {
    return qemu.toHandle();
  }

  private Container container(String name) {
    return NodeAgent.container(pod, name);
  }

  void start() throws IOException {
    startQemu();
    sidecar = startSidecarOnFreeAddress();
    report(
        "Running",
        running(VmResources.QEMU_CONTAINER, restarts),
        running(VmResources.SIDECAR_CONTAINER, 0));
    log.info("node agent: pod {} runs at {}", NodeAgent.key(pod), ip);
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
            .withFinishedAt(NodeAgent.now())
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
      log.error("node agent: cannot restart QEMU of {}", NodeAgent.key(pod), e);
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
    log.info("node agent: pod {} stopped", NodeAgent.key(pod));
  }

  private ContainerStatus running(String name, int restartCount) {
    return new ContainerStatusBuilder()
        .withName(name)
        .withReady(true)
        .withRestartCount(restartCount)
        .withNewState()
        .withNewRunning()
        .withStartedAt(NodeAgent.now())
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
            .withStartTime(NodeAgent.now())
            .withContainerStatuses(containers)
            .build());
    client.pods().inNamespace(pod.getMetadata().getNamespace()).resource(current).updateStatus();
  }
}
