package io.qemuoperator.local;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.api.v1alpha1.status.Condition;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * {@code up [-f PATH]... [--until-ready] [--timeout 120s] [--node process|kubelet]}: starts a
 * {@link LocalCluster} (on {@code --kubeconfig}'s cluster, else on the mock API server), or with
 * {@code --node kubelet} uses the real node's cluster of {@code --kubeconfig} ({@link
 * KubeletNodeCluster}), records it in the {@link StateFile}, serves the guest images ({@link
 * GuestImageServer}, pointing the manifests at it: {@link GuestImageUrls}), applies the manifests
 * and shows the VMs ({@link TerminalTable}) until interrupted or, with {@code --until-ready}, until
 * every VM is Ready (exit 0) or the timeout passes (exit 1, with each VM's reasons). The cluster
 * stops when it returns.
 */
final class UpCommand {
  private final PrintStream out;
  private final PrintStream err;
  private final Map<String, String> env;

  UpCommand(PrintStream out, PrintStream err, Map<String, String> env) {
    this.out = out;
    this.err = err;
    this.env = env;
  }

  int run(CliOptions options) {
    Optional<List<Manifests.Manifest>> loaded = ApplyCommand.load(options.files(), err);
    if (loaded.isEmpty()) {
      return LocalCli.USAGE;
    }
    List<Manifests.Manifest> manifests = loaded.get();
    if (options.node() == CliOptions.Node.PROCESS) {
      Optional<String> missing = processNodeMissing();
      if (missing.isPresent()) {
        err.println("error: " + missing.get());
        return LocalCli.NO_QEMU;
      }
    }
    Optional<GuestImageServer> images;
    try {
      images = guestImages();
    } catch (IOException | IllegalArgumentException e) {
      err.println("error: cannot serve the guest images: " + e.getMessage());
      return LocalCli.USAGE;
    }
    Optional<UpCluster> started = start(options);
    if (started.isEmpty()) {
      images.ifPresent(GuestImageServer::close);
      return LocalCli.USAGE;
    }
    try (UpCluster cluster = started.get();
        GuestImageServer served = images.orElse(null)) {
      if (served != null) {
        err.println("guest images in " + served.folder() + " served at " + served.url());
        GuestImageUrls.servedAt(served.url()).rewrite(manifests).forEach(err::println);
      }
      StateFile state = StateFile.of(env);
      String url = cluster.apiServerUrl();
      try {
        state.write(url, options.kubeconfig());
      } catch (IOException e) {
        err.println("warning: cannot write the state file " + state.path() + ": " + e.getMessage());
      }
      // on SIGTERM or Ctrl-C the JVM runs its hooks, not this method's finally
      Thread stateCleanup = new Thread(() -> state.deleteIfFor(url));
      Runtime.getRuntime().addShutdownHook(stateCleanup);
      try {
        err.println(
            "API server " + url + " (" + cluster.description() + "); state file " + state.path());
        try {
          Manifests.apply(cluster.client(), options.namespace(), manifests).forEach(err::println);
        } catch (Manifests.InvalidManifestException e) {
          err.println("error: " + e.getMessage());
          return LocalCli.USAGE;
        }
        return watch(cluster.client(), options);
      } finally {
        state.deleteIfFor(url);
        try {
          Runtime.getRuntime().removeShutdownHook(stateCleanup);
        } catch (IllegalStateException e) {
          // the JVM is shutting down: the hook runs anyway
        }
      }
    }
  }

  /** What the process node lacks to run VM pods here: QEMU, or the sidecar's launcher and jar. */
  private Optional<String> processNodeMissing() {
    Optional<String> missing = new QemuBinaries(env).missing();
    if (missing.isPresent()) {
      return missing;
    }
    try {
      SidecarLauncher.of(env);
      return Optional.empty();
    } catch (IllegalStateException e) {
      return Optional.of(e.getMessage());
    }
  }

  /**
   * The cluster of {@code options}: a {@link LocalCluster} with its node agent and operator, or the
   * real node's cluster the launcher started; empty (the reason printed) when it cannot start.
   */
  private Optional<UpCluster> start(CliOptions options) {
    if (options.node() == CliOptions.Node.KUBELET) {
      Path kubeconfig = options.kubeconfig().orElseThrow();
      err.println("using the real node's cluster of " + kubeconfig);
      return Optional.of(KubeletNodeCluster.connect(kubeconfig));
    }
    Path workDir;
    try {
      String configured = System.getProperty("qemu-operator.local.workDir");
      workDir =
          configured != null
              ? Path.of(configured)
              : Files.createTempDirectory("qemu-operator-local-");
    } catch (IOException e) {
      err.println("error: " + e.getMessage());
      return Optional.empty();
    }
    err.println("starting the local cluster (work dir and operator log: " + workDir + ")");
    return Optional.of(LocalCluster.start(options.kubeconfig(), workDir));
  }

  /**
   * The guest image server for the manifests' {@code disks[].source.url}: the folder {@code
   * QEMU_OPERATOR_IMAGES} (default {@code ~/.cache/qemu-operator/images}, which the launcher fills
   * with the test guest) on {@code QEMU_OPERATOR_IMAGES_ADDRESS} (default {@value
   * GuestImageServer#DEFAULT_ADDRESS}); none when the folder does not exist.
   */
  private Optional<GuestImageServer> guestImages() throws IOException {
    String configured = env.get("QEMU_OPERATOR_IMAGES");
    Path folder =
        configured != null && !configured.isBlank()
            ? Path.of(configured)
            : Path.of(env.getOrDefault("HOME", "."), ".cache", "qemu-operator", "images");
    if (!Files.isDirectory(folder)) {
      return Optional.empty();
    }
    return Optional.of(
        GuestImageServer.start(
            folder,
            env.getOrDefault("QEMU_OPERATOR_IMAGES_ADDRESS", GuestImageServer.DEFAULT_ADDRESS)));
  }

  /** Shows the table until every VM is ready (with --until-ready) or forever. */
  private int watch(KubernetesClient client, CliOptions options) {
    var table =
        new TerminalTable(
            out, options.tty().orElse("1".equals(env.get("QEMU_OPERATOR_LOCAL_TTY"))));
    Instant deadline = Instant.now().plus(options.timeout());
    while (true) {
      List<QemuVM> vms;
      try {
        vms = client.resources(QemuVM.class).inNamespace(options.namespace()).list().getItems();
      } catch (KubernetesClientException e) {
        if (Thread.interrupted()) {
          return LocalCli.NOT_READY; // Ctrl-C (or an interrupt) while reading: stop watching
        }
        throw e;
      }
      Instant now = Instant.now();
      table.show(VmTable.rows(vms, now));
      if (options.untilReady()) {
        if (!vms.isEmpty() && vms.stream().allMatch(VmTable::isReady)) {
          out.println("all " + vms.size() + " VMs are Ready");
          return LocalCli.OK;
        }
        if (now.isAfter(deadline)) {
          notReady(vms, options);
          return LocalCli.NOT_READY;
        }
      }
      try {
        TimeUnit.MILLISECONDS.sleep(500);
      } catch (InterruptedException e) {
        // an interrupt means "stop watching"; the flag stays clear so the cluster can shut down
        return LocalCli.NOT_READY;
      }
    }
  }

  private void notReady(List<QemuVM> vms, CliOptions options) {
    out.println("not every VM became Ready within " + CliOptions.human(options.timeout()) + ":");
    for (QemuVM vm : vms) {
      if (!VmTable.isReady(vm)) {
        out.println("  " + vm.getMetadata().getName() + ": " + reasons(vm));
      }
    }
    if (vms.isEmpty()) {
      out.println("  no QemuVM in namespace " + options.namespace());
    }
  }

  /** Why a VM is not ready, from its Ready and Synced conditions. */
  static String reasons(QemuVM vm) {
    List<String> parts = new ArrayList<>();
    for (String type : List.of("Ready", "Synced", "SpecValid")) {
      VmTable.condition(vm, type)
          .filter(c -> !(type.equals("SpecValid") && Condition.TRUE.equals(c.getStatus())))
          .ifPresent(
              c ->
                  parts.add(
                      type
                          + "="
                          + c.getStatus()
                          + " "
                          + c.getReason()
                          + (c.getMessage() == null ? "" : ": " + c.getMessage())));
    }
    return parts.isEmpty()
        ? "no status yet (the operator has not reported)"
        : String.join("; ", parts);
  }
}
