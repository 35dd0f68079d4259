package io.qemuoperator.local;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.qemuoperator.operator.pod.TokenSecret;
import io.qemuoperator.operator.pod.VmResources;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A VM pod the {@link NodeAgent} runs: its containers as local processes (the qemu container's
 * script with real QEMU; the sidecar container's arguments and env given to the sidecar's launcher,
 * a {@link SidecarProcess}), its paths mapped to this machine's, and its status reported as a
 * kubelet reports it. The pod is reported Running with its address once its sidecar answers; a
 * container that exits is reported terminated and started again (restartPolicy Always).
 *
 * <p>Files in the pod's folder: {@code qmp/} (the emptyDir), {@code token}, {@code qemu.log},
 * {@code sidecar.log} (the sidecar's stdout and stderr, every start appended) and {@code
 * observer.sock}.
 */
final class RunningPod {
  private static final Logger log = LoggerFactory.getLogger(RunningPod.class);

  /** How long a sidecar may take from its start to its first answer. */
  static final Duration SIDECAR_READY_TIMEOUT = Duration.ofSeconds(60);

  /** The kubelet's restart back-off, shortened. */
  private static final Duration RESTART_BACKOFF = Duration.ofSeconds(1);

  /** A sidecar listens on the port of its {@code --listen} flag; without one, on its default. */
  private static final int SIDECAR_DEFAULT_PORT = 9443;

  /** How many loopback addresses a sidecar tries before the pod fails to start. */
  private static final int ADDRESS_ATTEMPTS = 20;

  private final PodRuntime runtime;
  private final Pod pod;
  private final String key;
  private final Path dir;
  private final Map<String, Path> claimFolders;
  private final String script;
  private final String token;
  private final List<String> sidecarArgs;
  private final Map<String, String> sidecarEnv;
  private final int sidecarPort;

  /** The pod's address, once its sidecar listens there. */
  private volatile String ip;

  private volatile Process qemu;
  private volatile ContainerStatus qemuStatus;
  private volatile ContainerStatus sidecarStatus;
  private volatile int qemuRestarts;
  private volatile int sidecarRestarts;
  private volatile boolean stopping;

  /** Guards {@link #sidecar} against {@link #stop()}: no sidecar starts once the pod stops. */
  private final Object sidecarLock = new Object();

  private SidecarProcess sidecar;

  /**
   * The pod, its folder {@code dir}, and {@code claimFolders}: the folder of each claim's volume,
   * by where the pod mounts it.
   */
  RunningPod(PodRuntime runtime, Pod pod, Path dir, Map<String, Path> claimFolders)
      throws IOException {
    this.runtime = runtime;
    this.pod = pod;
    this.key = NodeAgent.key(pod);
    this.claimFolders = claimFolders;
    String namespace = pod.getMetadata().getNamespace();
    this.dir = Files.createDirectories(dir);
    Files.createDirectories(dir.resolve("qmp"));
    Container qemuContainer = container(VmResources.QEMU_CONTAINER);
    this.script =
        map(qemuContainer.getCommand().get(2))
                .replace("exec qemu-system-x86_64", "exec " + runtime.qemuBinary())
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
    Secret secret = runtime.client().secrets().inNamespace(namespace).withName(secretName).get();
    this.token = TokenSecret.token(secret);
    Path tokenFile = Files.writeString(dir.resolve("token"), token);
    Container sidecarContainer = container(VmResources.SIDECAR_CONTAINER);
    List<String> args = new ArrayList<>();
    for (String arg : sidecarContainer.getArgs()) {
      args.add(map(arg).replace(VmResources.TOKEN_FILE.toString(), tokenFile.toString()));
    }
    this.sidecarArgs = List.copyOf(args);
    this.sidecarPort = listenPort(sidecarArgs);
    Map<String, String> env = new HashMap<>();
    for (EnvVar variable : sidecarContainer.getEnv()) {
      if (variable.getValue() == null) {
        throw new IllegalArgumentException(
            "env " + variable.getName() + " of the sidecar: only plain values run here");
      }
      env.put(variable.getName(), map(variable.getValue()));
    }
    this.sidecarEnv = Map.copyOf(env);
  }

  /** The port of {@code --listen HOST:PORT} (or {@code --listen=HOST:PORT}). */
  private static int listenPort(List<String> args) {
    for (int i = 0; i < args.size(); i++) {
      String listen =
          args.get(i).startsWith("--listen=")
              ? args.get(i).substring("--listen=".length())
              : args.get(i).equals("--listen") && i + 1 < args.size() ? args.get(i + 1) : null;
      if (listen != null) {
        return Integer.parseInt(listen.substring(listen.lastIndexOf(':') + 1));
      }
    }
    return SIDECAR_DEFAULT_PORT;
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

  /**
   * Starts QEMU, and the sidecar in the background: the pod is reported Running once its sidecar
   * answers.
   */
  void start() throws IOException {
    startQemu();
    qemuStatus = running(VmResources.QEMU_CONTAINER, 0);
    Thread.ofVirtual().name("sidecar-start-" + key).start(this::startSidecarOnFreeAddress);
  }

  /**
   * Starts the sidecar on the pod's own loopback address; an address another process on this
   * machine already listens on is skipped for the next one.
   */
  private void startSidecarOnFreeAddress() {
    long started = System.nanoTime();
    try {
      for (int attempt = 1; ip == null; attempt++) {
        String candidate = NodeAgent.nextPodIp();
        try {
          startSidecar(candidate);
          ip = candidate;
        } catch (SidecarProcess.AddressTakenException taken) {
          if (attempt == ADDRESS_ATTEMPTS) {
            throw taken;
          }
        }
      }
    } catch (IOException e) {
      if (!stopping) {
        log.error("node agent: cannot start the sidecar of pod {}: {}", key, e.getMessage());
      }
      return;
    } catch (InterruptedException e) {
      return;
    }
    sidecarStatus = running(VmResources.SIDECAR_CONTAINER, 0);
    report();
    log.info(
        "node agent: pod {} runs at {}; its sidecar answered {} ms after the pod started",
        key,
        ip,
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
  }

  /** Starts the sidecar on {@code address}, waits until it answers there, watches its exit. */
  private void startSidecar(String address) throws IOException, InterruptedException {
    List<String> args =
        sidecarArgs.stream().map(arg -> arg.replace("0.0.0.0:", address + ":")).toList();
    SidecarProcess started;
    synchronized (sidecarLock) {
      if (stopping) {
        throw new IOException("pod " + key + " is stopping");
      }
      started =
          SidecarProcess.start(
              runtime.sidecarLauncher(),
              args,
              sidecarEnv,
              new InetSocketAddress(address, sidecarPort),
              dir.resolve("sidecar.log"));
      sidecar = started;
    }
    started.awaitReady(runtime.http(), token, SIDECAR_READY_TIMEOUT);
    // on a thread of its own: the restart waits, and must not hold up the JDK's process reaper
    started.handle().onExit().thenRun(() -> Thread.ofVirtual().start(() -> sidecarExited(started)));
  }

  /**
   * The sidecar ended, not stopped by this agent: report it as a kubelet would, then start it again
   * on the pod's address.
   */
  private void sidecarExited(SidecarProcess exited) {
    synchronized (sidecarLock) {
      if (stopping || sidecar != exited) {
        return; // stopped on purpose
      }
      sidecar = null;
    }
    sidecarRestarts++;
    log.warn(
        "node agent: the sidecar of pod {} exited with code {}, starting it again; its log: {}",
        key,
        exited.exitCode(),
        dir.resolve("sidecar.log"));
    sidecarStatus = terminated(VmResources.SIDECAR_CONTAINER, sidecarRestarts, exited.exitCode());
    report();
    try {
      Thread.sleep(RESTART_BACKOFF);
      startSidecar(exited.address().getHostString());
      sidecarStatus = running(VmResources.SIDECAR_CONTAINER, sidecarRestarts);
      report();
    } catch (IOException e) {
      if (!stopping) {
        log.error("node agent: cannot restart the sidecar of pod {}: {}", key, e.getMessage());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Stops the pod's sidecar and starts a new one on the same address, for tests. */
  void restartSidecar() throws IOException, InterruptedException {
    SidecarProcess old;
    synchronized (sidecarLock) {
      old = sidecar;
      sidecar = null; // not an exit to report
    }
    if (old != null) {
      old.stop();
    }
    startSidecar(ip);
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
    qemuRestarts++;
    qemuStatus = terminated(VmResources.QEMU_CONTAINER, qemuRestarts, process.exitValue());
    report();
    try {
      Thread.sleep(RESTART_BACKOFF);
      if (!stopping) {
        Files.deleteIfExists(dir.resolve("qmp").resolve("qmp.sock"));
        startQemu();
        qemuStatus = running(VmResources.QEMU_CONTAINER, qemuRestarts);
        report();
      }
    } catch (IOException | InterruptedException e) {
      log.error("node agent: cannot restart QEMU of {}", key, e);
    }
  }

  /** Ends QEMU (SIGKILL) and the sidecar (SIGTERM, then SIGKILL); returns once both are gone. */
  void stop() {
    SidecarProcess running;
    synchronized (sidecarLock) {
      stopping = true;
      running = sidecar;
    }
    if (qemu != null) {
      qemu.destroyForcibly();
    }
    if (running != null) {
      running.stop();
    }
    if (qemu != null) {
      try {
        qemu.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    log.info("node agent: pod {} stopped", key);
  }

  private static ContainerStatus running(String name, int restartCount) {
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

  private static ContainerStatus terminated(String name, int restartCount, int exitCode) {
    return new ContainerStatusBuilder()
        .withName(name)
        .withRestartCount(restartCount)
        .withReady(false)
        .withNewState()
        .withNewTerminated()
        .withExitCode(exitCode)
        .withReason(exitCode == 0 ? "Completed" : "Error")
        .withFinishedAt(NodeAgent.now())
        .endTerminated()
        .endState()
        .build();
  }

  /**
   * Writes the pod's status: Running at its address, with both containers' states; nothing before
   * the sidecar first answered (the pod stays Pending meanwhile) or once the pod stops.
   */
  private synchronized void report() {
    if (stopping || ip == null || sidecarStatus == null) {
      return;
    }
    var pods = runtime.client().pods().inNamespace(pod.getMetadata().getNamespace());
    Pod current = pods.withName(pod.getMetadata().getName()).get();
    if (current == null) {
      return;
    }
    current.setStatus(
        new PodStatusBuilder()
            .withPhase("Running")
            .withPodIP(ip)
            .withHostIP("127.0.0.1")
            .withStartTime(NodeAgent.now())
            .withContainerStatuses(qemuStatus, sidecarStatus)
            .build());
    pods.resource(current).updateStatus();
  }
}
