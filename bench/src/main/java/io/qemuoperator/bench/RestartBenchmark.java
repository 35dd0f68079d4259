package io.qemuoperator.bench;

import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.local.LocalCluster;
import io.qemuoperator.local.Manifests;
import io.qemuoperator.local.SmallVm;
import io.qemuoperator.local.VmTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * How long a graceful restart takes: {@code cpus} toggled 1 ↔ 2 on one real VM, from the spec write
 * until (a) a new QEMU runs the guest with the new vCPU count, read over an independent QMP
 * monitor, and (b) the QemuVM says so (Ready, {@code status.vcpus}). The test VM boots no OS, so it
 * ignores ACPI power-down and every restart waits out its whole grace period: the figure is the
 * grace period plus the operator's and the node's own time. Flags: {@code --kubeconfig FILE} (else
 * the mock API server), {@code --restarts N} (5), {@code --grace S} (2). Figures are printed, never
 * asserted.
 */
public final class RestartBenchmark {
  private static final String NS = "default";
  private static final String VM = "restart-0";

  private RestartBenchmark() {}

  public static void main(String[] args) throws Exception {
    Optional<Path> kubeconfig = Optional.empty();
    int restarts = 5;
    long grace = 2;
    for (int i = 0; i < args.length; i += 2) {
      switch (args[i]) {
        case "--kubeconfig" -> kubeconfig = Optional.of(Path.of(args[i + 1]));
        case "--restarts" -> restarts = Integer.parseInt(args[i + 1]);
        case "--grace" -> grace = Long.parseLong(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown flag " + args[i]);
      }
    }
    Path work = Files.createTempDirectory("qo-bench-restart-");
    long graceSeconds = grace;
    try (LocalCluster cluster = LocalCluster.start(kubeconfig, work)) {
      var vms = cluster.client().resources(QemuVM.class).inNamespace(NS);
      cluster
          .client()
          .resource(SmallVm.of(NS, VM, s -> s.setTerminationGracePeriodSeconds(graceSeconds)))
          .create();
      await(() -> VmTable.isReady(vms.withName(VM).get()), Duration.ofSeconds(120), "Ready");
      var toQemu = new LatencySample("spec change → new QEMU running");
      var toStatus = new LatencySample("spec change → status Ready with it");
      Path observer = cluster.agent().observerSocket(NS, VM + "-qemu");
      int cpus = 1;
      for (int n = 0; n < restarts; n++) {
        int want = cpus == 1 ? 2 : 1;
        long t0 = System.nanoTime();
        Manifests.editSpec(vms.withName(VM), s -> s.setCpus(want));
        await(() -> runsWith(observer, want), Duration.ofSeconds(120), "QEMU with " + want);
        toQemu.add(System.nanoTime() - t0);
        await(
            () -> {
              QemuVM vm = vms.withName(VM).get();
              return VmTable.isReady(vm) && Integer.valueOf(want).equals(vm.getStatus().getVcpus());
            },
            Duration.ofSeconds(60),
            "status with " + want);
        toStatus.add(System.nanoTime() - t0);
        cpus = want;
      }
      System.out.printf(
          Locale.ROOT,
          "%nrestart benchmark: %d restarts (cpus 1 ↔ 2), grace period %d s (no guest OS: waited"
              + " in full), API server %s%n",
          restarts,
          graceSeconds,
          kubeconfig.isPresent() ? "real (" + kubeconfig.get() + ")" : "Fabric8 mock");
      for (LatencySample sample : List.of(toQemu, toStatus)) {
        var stats = sample.stats();
        System.out.printf(
            Locale.ROOT,
            "  %-40s p50 %6.2f s   max %6.2f s   (over the grace period: p50 %.2f s)%n",
            stats.path(),
            stats.p50() / 1e6,
            stats.max() / 1e6,
            stats.p50() / 1e6 - graceSeconds);
      }
      vms.withName(VM).delete();
    } finally {
      LocalCluster.deleteTree(work);
    }
  }

  /** True once QEMU behind the monitor runs the guest with {@code cpus} vCPUs. */
  private static boolean runsWith(Path observer, int cpus) {
    try (var qmp = DirectQmp.connect(observer)) {
      if (!qmp.execute("query-status").contains("\"running\"")) {
        return false;
      }
      String answer = qmp.execute("query-cpus-fast");
      return answer.split("\"cpu-index\"", -1).length - 1 == cpus;
    } catch (IOException e) {
      return false; // the old QEMU gone, the new one not listening yet
    }
  }

  private static void await(java.util.function.BooleanSupplier until, Duration limit, String what)
      throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!until.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(VM + ": not " + what + " within " + limit);
      }
      Thread.sleep(20);
    }
  }
}
