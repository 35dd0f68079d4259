package io.qemuoperator.local;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.qemuoperator.operator.pod.QemuCommandLine;
import io.qemuoperator.operator.pod.TokenSecret;
import io.qemuoperator.operator.pod.VmResources;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A VM pod the {@link NodeAgent} runs: its containers as local processes ({@link
 * ContainerCommands}) — the qemu container's script with real QEMU, the sidecar container as a
 * {@link PodSidecar} — and its status, reported as a kubelet reports it: the pod's address from its
 * start (before the init containers, which may listen there: the disk importer serves its progress
 * on the sidecar's port), Running once its sidecar answers (Pending until then), a container that
 * exits terminated, then started again (restartPolicy Always).
 *
 * <p>Files in the pod's folder: {@code qmp/} (the emptyDir: QMP and serial console sockets, {@code
 * console.log}), {@code token}, {@code qemu.log}, {@code sidecar.log} (the sidecar's stdout and
 * stderr, every start appended) and {@code observer.sock}.
 */
final class RunningPod {
  private static final Logger log = LoggerFactory.getLogger(RunningPod.class);

  /** The kubelet's restart back-off, shortened. */
  static final Duration RESTART_BACKOFF = Duration.ofSeconds(1);

  /**
   * A failed init container's back-off: doubled at each failure up to the cap (the kubelet's is 10
   * s to 5 min).
   */
  static final Duration INIT_BACKOFF = Duration.ofSeconds(1);

  static final Duration INIT_BACKOFF_CAP = Duration.ofSeconds(20);

  /** What FallbackToLogsOnError takes from the end of a failed container's log. */
  private static final int LOG_TAIL_BYTES = 2048;

  private final PodRuntime runtime;
  private final Pod pod;
  private final String key;
  private final Path dir;
  private final ContainerCommands commands;
  private final PodSidecar sidecar;

  /** The pod's address, from its start. */
  private volatile String ip;

  private volatile Process qemu;

  /** How often a status write is tried before it is given up (the next change writes again). */
  private static final int REPORT_ATTEMPTS = 5;

  private static final Duration REPORT_PAUSE = Duration.ofMillis(500);

  private volatile Process init;
  private volatile List<ContainerStatus> initStatuses = List.of();
  private volatile ContainerStatus qemuStatus;
  private volatile ContainerStatus sidecarStatus;
  private volatile int qemuRestarts;
  private volatile boolean stopping;

  /**
   * The pod, its folder {@code dir}, and {@code claimFolders}: the folder of each claim's volume,
   * by where the pod mounts it.
   */
  RunningPod(PodRuntime runtime, Pod pod, Path dir, Map<String, Path> claimFolders)
      throws IOException {
    this.runtime = runtime;
    this.pod = pod;
    this.key = NodeAgent.key(pod);
    this.dir = Files.createDirectories(dir);
    Files.createDirectories(dir.resolve("qmp"));
    String secretName =
        pod.getSpec().getVolumes().stream()
            .filter(v -> VmResources.TOKEN_VOLUME.equals(v.getName()))
            .findFirst()
            .orElseThrow()
            .getSecret()
            .getSecretName();
    writeSecretVolumes(runtime, pod, dir);
    Secret secret =
        runtime
            .client()
            .secrets()
            .inNamespace(pod.getMetadata().getNamespace())
            .withName(secretName)
            .get();
    String token = TokenSecret.token(secret);
    Path tokenFile = Files.writeString(dir.resolve("token"), token);
    this.commands = ContainerCommands.of(pod, dir, claimFolders, runtime.qemuBinary(), tokenFile);
    this.sidecar =
        new PodSidecar(
            key, runtime, commands, token, dir.resolve("sidecar.log"), this::sidecarChanged);
  }

  /**
   * The Secrets the qemu container mounts, written as the kubelet writes a secret volume: each item
   * (or every key) a file in {@code <pod folder>/<volume name>/}, readable by the owner only. A
   * missing Secret or key fails the pod's start, as the kubelet holds such a pod in
   * ContainerCreating.
   */
  private static void writeSecretVolumes(PodRuntime runtime, Pod pod, Path dir) throws IOException {
    var mounted =
        NodeAgent.container(pod, VmResources.QEMU_CONTAINER).getVolumeMounts().stream()
            .map(io.fabric8.kubernetes.api.model.VolumeMount::getName)
            .collect(java.util.stream.Collectors.toSet());
    for (var volume : pod.getSpec().getVolumes()) {
      if (volume.getSecret() == null || !mounted.contains(volume.getName())) {
        continue;
      }
      String name = volume.getSecret().getSecretName();
      Secret secret =
          runtime
              .client()
              .secrets()
              .inNamespace(pod.getMetadata().getNamespace())
              .withName(name)
              .get();
      if (secret == null) {
        throw new IOException("secret " + name + " not found (volume " + volume.getName() + ")");
      }
      Map<String, String> data = secret.getData() == null ? Map.of() : secret.getData();
      Path folder = Files.createDirectories(dir.resolve(volume.getName()));
      var items = volume.getSecret().getItems();
      Map<String, String> files = new java.util.LinkedHashMap<>();
      if (items == null || items.isEmpty()) {
        data.keySet().forEach(key -> files.put(key, key));
      } else {
        items.forEach(item -> files.put(item.getKey(), item.getPath()));
      }
      for (var file : files.entrySet()) {
        String encoded = data.get(file.getKey());
        if (encoded == null) {
          throw new IOException(
              "secret "
                  + name
                  + " has no key "
                  + file.getKey()
                  + " (volume "
                  + volume.getName()
                  + ")");
        }
        Path target = folder.resolve(file.getValue());
        Files.write(target, java.util.Base64.getDecoder().decode(encoded));
        Files.setPosixFilePermissions(
            target, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
      }
    }
  }

  /** The QEMU process, for tests that kill it. */
  ProcessHandle qemu() {
    return qemu.toHandle();
  }

  /** The sidecar's process while one runs, for tests that kill it. */
  Optional<ProcessHandle> sidecar() {
    return sidecar.handle();
  }

  /**
   * Runs the init containers in order, each to completion (one that fails is run again after a
   * back-off, and nothing after it starts meanwhile), then starts QEMU, and the sidecar in the
   * background: the pod is reported Running once its sidecar answers.
   */
  void start() throws IOException {
    ip = PodSidecar.freeAddress(commands.sidecarPort());
    if (commands.initContainers().isEmpty()) {
      startContainers();
      return;
    }
    Thread.ofVirtual().name("init-" + key).start(this::initialize);
  }

  private void initialize() {
    var statuses = new ArrayList<ContainerStatus>();
    for (ContainerCommands.InitContainer container : commands.initContainers()) {
      statuses.add(waiting(container.name(), "PodInitializing", 0, null));
    }
    initStatuses = List.copyOf(statuses);
    try {
      for (int i = 0; i < commands.initContainers().size(); i++) {
        if (!runToCompletion(i, commands.initContainers().get(i))) {
          return;
        }
      }
      if (!stopping) {
        startContainers();
      }
    } catch (IOException e) {
      if (!stopping) {
        log.error("node agent: cannot run the init containers of pod {}", key, e);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Runs init container {@code index} until it exits 0; false when the pod stopped first. */
  private boolean runToCompletion(int index, ContainerCommands.InitContainer container)
      throws IOException, InterruptedException {
    Path output = dir.resolve(container.name() + ".log");
    int restarts = 0;
    ContainerStatus last = null;
    Duration backoff = INIT_BACKOFF;
    while (!stopping) {
      Files.deleteIfExists(container.terminationLog());
      initChanged(index, running(container.name(), restarts, last));
      Process process;
      synchronized (this) {
        if (stopping) {
          return false;
        }
        process =
            runtime.sidecarLauncher().command(container.args(ip), container.env(), output).start();
        init = process;
      }
      int code = process.waitFor();
      if (stopping) {
        return false;
      }
      ContainerStatus ended =
          terminated(container.name(), restarts, code, terminationMessage(container, code, output));
      initChanged(index, ended);
      if (code == 0) {
        return true;
      }
      log.info(
          "node agent: init container {} of pod {} exited with {}; again in {} s",
          container.name(),
          key,
          code,
          backoff.toSeconds());
      restarts++;
      last = ended;
      initChanged(index, waiting(container.name(), "CrashLoopBackOff", restarts, ended));
      Thread.sleep(backoff);
      backoff =
          backoff.multipliedBy(2).compareTo(INIT_BACKOFF_CAP) > 0
              ? INIT_BACKOFF_CAP
              : backoff.multipliedBy(2);
    }
    return false;
  }

  /**
   * What the container wrote to its termination log; when it failed without one, the end of its log
   * (terminationMessagePolicy FallbackToLogsOnError).
   */
  private static String terminationMessage(
      ContainerCommands.InitContainer container, int code, Path log) throws IOException {
    String message =
        Files.exists(container.terminationLog())
            ? Files.readString(container.terminationLog()).strip()
            : "";
    if (message.isEmpty() && code != 0 && Files.exists(log)) {
      String all = Files.readString(log).strip();
      message = all.substring(Math.max(0, all.length() - LOG_TAIL_BYTES));
    }
    return message.isEmpty() ? null : message;
  }

  private synchronized void initChanged(int index, ContainerStatus status) {
    var statuses = new ArrayList<>(initStatuses);
    statuses.set(index, status);
    initStatuses = List.copyOf(statuses);
    if (sidecarStatus == null) {
      reportInitializing();
    } else {
      report();
    }
  }

  /** The pod Pending while its init containers run: their states, the containers waiting. */
  private void reportInitializing() {
    if (stopping) {
      return;
    }
    var pods = runtime.client().pods().inNamespace(pod.getMetadata().getNamespace());
    Pod current = pods.withName(pod.getMetadata().getName()).get();
    if (current == null || !current.getMetadata().getUid().equals(pod.getMetadata().getUid())) {
      return;
    }
    current.setStatus(
        new PodStatusBuilder()
            .withPhase("Pending")
            .withPodIP(ip)
            .withHostIP("127.0.0.1")
            .withStartTime(NodeAgent.now())
            .withInitContainerStatuses(initStatuses)
            .withContainerStatuses(
                waiting(VmResources.QEMU_CONTAINER, "PodInitializing", 0, null),
                waiting(VmResources.SIDECAR_CONTAINER, "PodInitializing", 0, null))
            .build());
    try {
      pods.resource(current).updateStatus();
    } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
      log.warn("node agent: cannot report pod {} initializing: {}", key, e.getMessage());
    }
  }

  private void startContainers() throws IOException {
    if (commands.forwardsPorts()) {
      // QEMU forwards the declared ports on the pod's address: it starts once that is known
      qemuStatus = waiting(VmResources.QEMU_CONTAINER, "ContainerCreating", 0, null);
    } else {
      startQemu();
      qemuStatus = running(VmResources.QEMU_CONTAINER, 0, null, commands.readiness().isEmpty());
    }
    Thread.ofVirtual().name("sidecar-start-" + key).start(this::startSidecar);
  }

  private void startSidecar() {
    long started = System.nanoTime();
    try {
      sidecar.start(ip);
      if (commands.forwardsPorts()) {
        synchronized (this) {
          if (stopping) {
            return;
          }
          startQemu();
          qemuStatus = running(VmResources.QEMU_CONTAINER, 0, null, commands.readiness().isEmpty());
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
    commands.readiness().ifPresent(this::startProbing);
    sidecarChanged(running(VmResources.SIDECAR_CONTAINER, 0));
    log.info(
        "node agent: pod {} runs at {}; its sidecar answered {} ms after the pod started",
        key,
        ip,
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
  }

  private void sidecarChanged(ContainerStatus status) {
    sidecarStatus = status;
    report();
  }

  /** Stops the pod's sidecar and starts a new one on the same address, for tests. */
  void restartSidecar() throws IOException, InterruptedException {
    sidecar.restart();
  }

  /**
   * Probes the qemu container as a kubelet does its httpGet readiness probe: every period, a GET of
   * the path on the pod's address with a 1 s deadline, an answer 200–399 a success; ready after one
   * success, not ready after {@code failureThreshold} failures in a row; each change reported in
   * the pod's status.
   */
  private void startProbing(ContainerCommands.HttpProbe probe) {
    var request =
        java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://" + ip + ":" + probe.port() + probe.path()))
            .timeout(Duration.ofSeconds(1))
            .GET()
            .build();
    Thread.ofVirtual()
        .name("readiness-" + key)
        .start(
            () -> {
              int failures = 0;
              while (!stopping) {
                boolean answered;
                try {
                  int code =
                      runtime
                          .http()
                          .send(request, java.net.http.HttpResponse.BodyHandlers.discarding())
                          .statusCode();
                  answered = code >= 200 && code < 400;
                } catch (IOException e) {
                  answered = false;
                } catch (InterruptedException e) {
                  return;
                }
                failures = answered ? 0 : failures + 1;
                boolean ready = answered || (failures < probe.failureThreshold() && qemuReady());
                setQemuReady(ready && qemu != null && qemu.isAlive());
                try {
                  Thread.sleep(probe.period());
                } catch (InterruptedException e) {
                  return;
                }
              }
            });
  }

  private boolean qemuReady() {
    ContainerStatus status = qemuStatus;
    return status != null && Boolean.TRUE.equals(status.getReady());
  }

  private synchronized void setQemuReady(boolean ready) {
    ContainerStatus status = qemuStatus;
    if (status == null
        || status.getState() == null
        || status.getState().getRunning() == null
        || Boolean.valueOf(ready).equals(status.getReady())) {
      return;
    }
    qemuStatus = new ContainerStatusBuilder(status).withReady(ready).build();
    log.info("node agent: pod {}: qemu container {}", key, ready ? "ready" : "not ready");
    report();
  }

  private void startQemu() throws IOException {
    var builder = new ProcessBuilder("sh", "-c", commands.qemuScript());
    if (commands.forwardsPorts()) {
      builder.environment().put(QemuCommandLine.FORWARD_ADDRESS_VARIABLE, ip);
    }
    qemu =
        builder
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("qemu.log").toFile()))
            .start();
    Process started = qemu;
    // Waited for on a thread of its own, not through Process.onExit(): that completes on the JVM's
    // common ForkJoin pool, which a busy JVM (or an exit handler waiting for this pod's lock) can
    // hold up for a minute, and with it the report, the restart and the pod's stop.
    Thread.ofVirtual()
        .name("qemu-exit-" + key)
        .start(
            () -> {
              try {
                started.waitFor();
              } catch (InterruptedException e) {
                return;
              }
              exited(started);
            });
  }

  /**
   * QEMU ended: report it as a kubelet would, then restart it after the back-off (restartPolicy
   * Always) unless the pod stops meanwhile. The back-off is waited without the pod's lock, so a
   * {@link #stop()} meanwhile is not held up and no QEMU starts after it.
   */
  private void exited(Process process) {
    synchronized (this) {
      if (stopping || process != qemu) {
        return;
      }
      qemuRestarts++;
      qemuStatus = terminated(VmResources.QEMU_CONTAINER, qemuRestarts, process.exitValue());
      report();
    }
    try {
      Thread.sleep(RESTART_BACKOFF);
    } catch (InterruptedException e) {
      return;
    }
    synchronized (this) {
      if (stopping || process != qemu) {
        return;
      }
      try {
        Files.deleteIfExists(dir.resolve("qmp").resolve("qmp.sock"));
        startQemu();
      } catch (IOException e) {
        log.error("node agent: cannot restart QEMU of {}", key, e);
        return;
      }
      qemuStatus =
          running(VmResources.QEMU_CONTAINER, qemuRestarts, null, commands.readiness().isEmpty());
      report();
    }
  }

  /** Ends QEMU (SIGKILL) and the sidecar (SIGTERM, then SIGKILL); returns once both are gone. */
  void stop() {
    synchronized (this) {
      stopping = true;
      if (init != null) {
        init.destroyForcibly();
      }
    }
    if (qemu != null) {
      qemu.destroyForcibly();
    }
    sidecar.stop();
    if (qemu != null) {
      try {
        qemu.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    log.info("node agent: pod {} stopped", key);
  }

  static ContainerStatus running(String name, int restartCount) {
    return running(name, restartCount, null);
  }

  /** Running, after {@code last} (its previous run's end, as {@code lastState}) when it has one. */
  static ContainerStatus running(String name, int restartCount, ContainerStatus last) {
    return running(name, restartCount, last, true);
  }

  /** Running, after {@code last}; {@code ready} unless a readiness probe has to pass first. */
  static ContainerStatus running(
      String name, int restartCount, ContainerStatus last, boolean ready) {
    var status =
        new ContainerStatusBuilder()
            .withName(name)
            .withReady(ready)
            .withRestartCount(restartCount)
            .withNewState()
            .withNewRunning()
            .withStartedAt(NodeAgent.now())
            .endRunning()
            .endState();
    if (last != null) {
      status.withLastState(last.getState());
    }
    return status.build();
  }

  /** Waiting for {@code reason}, after {@code last} when it ran before. */
  static ContainerStatus waiting(
      String name, String reason, int restartCount, ContainerStatus last) {
    var status =
        new ContainerStatusBuilder()
            .withName(name)
            .withReady(false)
            .withRestartCount(restartCount)
            .withNewState()
            .withNewWaiting()
            .withReason(reason)
            .endWaiting()
            .endState();
    if (last != null) {
      status.withLastState(last.getState());
    }
    return status.build();
  }

  static ContainerStatus terminated(String name, int restartCount, int exitCode) {
    return terminated(name, restartCount, exitCode, null);
  }

  /** Ended with {@code exitCode} and its termination {@code message} (null: none). */
  static ContainerStatus terminated(String name, int restartCount, int exitCode, String message) {
    return new ContainerStatusBuilder()
        .withName(name)
        .withRestartCount(restartCount)
        .withReady(false)
        .withNewState()
        .withNewTerminated()
        .withExitCode(exitCode)
        .withReason(exitCode == 0 ? "Completed" : "Error")
        .withMessage(message)
        .withFinishedAt(NodeAgent.now())
        .endTerminated()
        .endState()
        .build();
  }

  /**
   * Writes the pod's status: Running at its address, with both containers' states; nothing before
   * the sidecar first answered (the pod stays Pending meanwhile) or once the pod stops. As a
   * kubelet's status manager does, again on a failure (a timeout of a loaded API server, a conflict
   * with another write), a few times with a growing pause, so that a change (the qemu container
   * becoming ready, say) is never lost; never throws (a prober or a restart must not die of it).
   */
  private synchronized void report() {
    for (int attempt = 1; ; attempt++) {
      try {
        reportOnce();
        return;
      } catch (IllegalStateException closed) {
        // the cluster's client closed ("Client already closed"): the node agent is closing
        return;
      } catch (KubernetesClientException e) {
        if (stopping || attempt == REPORT_ATTEMPTS) {
          log.warn(
              "node agent: cannot report pod {} after {} attempts: {}",
              key,
              attempt,
              e.getMessage());
          return;
        }
        try {
          Thread.sleep(REPORT_PAUSE.multipliedBy(attempt));
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  private void reportOnce() {
    if (stopping || sidecarStatus == null) {
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
            .withInitContainerStatuses(initStatuses)
            .withContainerStatuses(qemuStatus, sidecarStatus)
            .build());
    pods.resource(current).updateStatus();
  }
}
