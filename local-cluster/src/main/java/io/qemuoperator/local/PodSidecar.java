package io.qemuoperator.local;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.qemuoperator.operator.pod.VmResources;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A VM pod's sidecar container: a {@link SidecarProcess} on the pod's own loopback address (an
 * address another process on this machine listens on already is skipped for the next one), started
 * again on that address when it exits (restartPolicy Always), each exit and restart reported as a
 * kubelet reports a container's.
 */
final class PodSidecar {
  private static final Logger log = LoggerFactory.getLogger(PodSidecar.class);

  /** How long a sidecar may take from its start to its first answer. */
  static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

  /** How many loopback addresses a sidecar tries before the pod fails to start. */
  private static final int ADDRESS_ATTEMPTS = 20;

  private final String pod;
  private final PodRuntime runtime;
  private final ContainerCommands commands;
  private final String token;
  private final Path logFile;
  private final Consumer<ContainerStatus> statusChanged;

  /** Guards {@link #process} against {@link #stop()}: no sidecar starts once the pod stops. */
  private final Object lock = new Object();

  private SidecarProcess process;
  private boolean stopping;
  private volatile int restarts;

  /**
   * The sidecar of pod {@code pod} ({@code namespace/name}), answering requests with {@code token},
   * its output appended to {@code logFile}; {@code statusChanged} hears of its exits and restarts.
   */
  PodSidecar(
      String pod,
      PodRuntime runtime,
      ContainerCommands commands,
      String token,
      Path logFile,
      Consumer<ContainerStatus> statusChanged) {
    this.pod = pod;
    this.runtime = runtime;
    this.commands = commands;
    this.token = token;
    this.logFile = logFile;
    this.statusChanged = statusChanged;
  }

  /**
   * A free pod address: one where nothing listens on the sidecar's port yet, handed out when the
   * pod starts (before its init containers), as a kubelet gives a pod its IP.
   */
  static String freeAddress(int port) throws IOException {
    for (int attempt = 1; attempt <= ADDRESS_ATTEMPTS; attempt++) {
      String address = NodeAgent.nextPodIp();
      if (SidecarProcess.free(new InetSocketAddress(address, port))) {
        return address;
      }
    }
    throw new IOException("no free pod address after " + ADDRESS_ATTEMPTS + " attempts");
  }

  /** Starts the sidecar on {@code address}, waits until it answers there, watches its exit. */
  void start(String address) throws IOException, InterruptedException {
    SidecarProcess started;
    synchronized (lock) {
      if (stopping) {
        throw new IOException("pod " + pod + " is stopping");
      }
      started =
          SidecarProcess.start(
              runtime.sidecarLauncher(),
              commands.sidecarArgs(address),
              commands.sidecarEnv(),
              new InetSocketAddress(address, commands.sidecarPort()),
              logFile);
      process = started;
    }
    started.awaitReady(runtime.http(), token, READY_TIMEOUT);
    // on a thread of its own: the restart waits, and must not hold up the JDK's process reaper
    started.handle().onExit().thenRun(() -> Thread.ofVirtual().start(() -> exited(started)));
  }

  /** The sidecar ended, not stopped by this agent: report it, then start it again. */
  private void exited(SidecarProcess exited) {
    synchronized (lock) {
      if (stopping || process != exited) {
        return; // stopped on purpose
      }
      process = null;
    }
    int count = ++restarts;
    log.warn(
        "node agent: the sidecar of pod {} exited with code {}, starting it again; its log: {}",
        pod,
        exited.exitCode(),
        logFile);
    statusChanged.accept(
        RunningPod.terminated(VmResources.SIDECAR_CONTAINER, count, exited.exitCode()));
    try {
      Thread.sleep(RunningPod.RESTART_BACKOFF);
      start(exited.address().getHostString());
      statusChanged.accept(RunningPod.running(VmResources.SIDECAR_CONTAINER, count));
    } catch (IOException e) {
      if (!isStopping()) {
        log.error("node agent: cannot restart the sidecar of pod {}: {}", pod, e.getMessage());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Stops the sidecar and starts a new one on the same address; returns once it answers. */
  void restart() throws IOException, InterruptedException {
    SidecarProcess old;
    synchronized (lock) {
      old = process;
      process = null; // not an exit to report
    }
    if (old == null) {
      throw new IllegalStateException("the sidecar of pod " + pod + " does not run");
    }
    old.stop();
    start(old.address().getHostString());
  }

  /** The sidecar's process while one runs. */
  Optional<ProcessHandle> handle() {
    synchronized (lock) {
      return Optional.ofNullable(process).map(SidecarProcess::handle);
    }
  }

  /** Stops the sidecar for good (SIGTERM, then SIGKILL); returns once it is gone. */
  void stop() {
    SidecarProcess running;
    synchronized (lock) {
      stopping = true;
      running = process;
    }
    if (running != null) {
      running.stop();
    }
  }

  boolean isStopping() {
    synchronized (lock) {
      return stopping;
    }
  }
}
