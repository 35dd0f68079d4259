package io.qemuoperator.bench.sim;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.api.v1alpha1.spec.MigrationSpec;
import io.qemuoperator.bench.BenchCluster;
import io.qemuoperator.bench.MachineFacts;
import io.qemuoperator.bench.ProcessFootprint;
import io.qemuoperator.local.SmallVm;
import io.qemuoperator.local.VmTable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;

/**
 * Control-plane scale with SIMULATED VMs: N QemuVMs on Fabric8's mock API server, the real operator
 * as its own process ({@code java -jar operator/target/qemu-operator.jar}), and {@link
 * SidecarSimulator} answering for every VM's sidecar. Measures the time until every VM is Ready,
 * the operator's CPU seconds, heap and RSS, API requests per VM, and then status writes per VM per
 * minute while nothing changes. The VMs are simulated: these are figures for the control plane, not
 * for QEMU.
 */
public final class ControlPlaneBenchmark {

  private ControlPlaneBenchmark() {}

  public static void main(String[] args) throws Exception {
    int vms = intArg(args, "--vms", 1000);
    int idleSeconds = intArg(args, "--idle-seconds", 60);
    Path operatorJar =
        Path.of(stringArg(args, "--operator-jar", "operator/target/qemu-operator.jar"));
    Path out = Path.of(stringArg(args, "--out", "e2e/target/bench-control-plane.json"));
    var machine = MachineFacts.read("not used: the VMs are simulated");

    Path dir = Files.createTempDirectory("qo-bench-cp");
    var cluster = new BenchCluster(dir, operatorJar);
    KubernetesClient client = cluster.client();
    try (cluster;
        var sidecars = new SidecarSimulator(0);
        var kubelet = new SimulatedKubelet(client, sidecars)) {
      long pid = cluster.startOperator(Map.of("SIDECAR_PORT", Integer.toString(sidecars.port())));
      progress(
          "operator pid %d; creating %d QemuVMs (simulated sidecars on port %d)",
          pid, vms, sidecars.port());

      long benchRequests = 0;
      long start = System.nanoTime();
      try (var pool = Executors.newFixedThreadPool(16)) {
        for (int i = 0; i < vms; i++) {
          int n = i;
          pool.submit(() -> client.resource(vm("vm-" + n)).create());
        }
      }
      benchRequests += vms;
      int ready = 0;
      long polls = 0;
      while (ready < vms) {
        Thread.sleep(500);
        polls++;
        ready =
            (int)
                client.resources(QemuVM.class).inNamespace("bench").list().getItems().stream()
                    .filter(VmTable::isReady)
                    .count();
        if (polls % 10 == 0) {
          progress("%d/%d Ready after %.0f s", ready, vms, seconds(start));
        }
        if (!cluster.operatorAlive()) {
          throw new IllegalStateException("the operator exited; see " + cluster.log());
        }
        if (seconds(start) > 900) {
          throw new IllegalStateException("not converged after 900 s: " + ready + "/" + vms);
        }
      }
      double converge = seconds(start);
      benchRequests += polls + kubelet.apiRequests() + 2; // + the kubelet's list and watch
      long operatorRequests = cluster.requests() - benchRequests;
      double cpu = ProcessFootprint.cpuSeconds(pid);
      long rss = ProcessFootprint.rssKib(pid);
      double heap = cluster.operatorHeapUsedMib();
      progress("all %d Ready after %.1f s; idle %d s", vms, converge, idleSeconds);

      long statusWritesBefore = cluster.statusWrites();
      long requestsBefore = cluster.requests();
      Thread.sleep(Duration.ofSeconds(idleSeconds));
      long idleStatusWrites = cluster.statusWrites() - statusWritesBefore;
      long idleRequests = cluster.requests() - requestsBefore;
      double idleMinutes = idleSeconds / 60.0;

      ObjectNode report = new ObjectMapper().createObjectNode();
      report.put(
          "simulated",
          "VMs and sidecars are simulated (SidecarSimulator); the operator and API calls are real");
      report.put("machine", machine.summary());
      report.put("loadAverage", MachineFacts.loadAverage());
      report.put("vms", vms);
      figure(report, "convergeSeconds", converge, "s");
      figure(report, "operatorCpuSeconds", cpu, "s");
      figure(report, "operatorHeapUsed", heap, "MiB");
      figure(report, "operatorRss", rss / 1024.0, "MiB");
      figure(report, "apiRequestsPerVm", operatorRequests / (double) vms, "requests");
      figure(report, "apiWritesPerVm", cluster.operatorWrites() / (double) vms, "writes");
      figure(report, "sidecarCommandsPerVm", sidecars.commands() / (double) vms, "commands");
      figure(
          report,
          "idleStatusWritesPerVmPerMinute",
          idleStatusWrites / (vms * idleMinutes),
          "writes");
      figure(
          report, "idleApiRequestsPerVmPerMinute", idleRequests / (vms * idleMinutes), "requests");
      Files.createDirectories(out.getParent());
      new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(out.toFile(), report);

      System.out.printf(
          "control plane, %d SIMULATED VMs (real operator process, mock API server)%n", vms);
      System.out.printf("  machine               %s%n", machine.summary());
      System.out.printf(
          "  all Ready after       %.1f s     [target <= 120 s: %s]%n",
          converge, converge <= 120 ? "met" : "MISSED");
      System.out.printf("  operator CPU          %.1f s%n", cpu);
      System.out.printf(
          "  operator heap used    %.0f MiB   [target <= 512 MiB: %s]%n",
          heap, heap <= 512 ? "met" : "MISSED");
      System.out.printf("  operator RSS          %.0f MiB%n", rss / 1024.0);
      System.out.printf(
          "  API requests per VM   %.1f (operator only)%n", operatorRequests / (double) vms);
      System.out.printf(
          "  API writes per VM     %.1f (operator only)%n",
          cluster.operatorWrites() / (double) vms);
      System.out.printf("  QMP commands per VM   %.1f%n", sidecars.commands() / (double) vms);
      System.out.printf(
          "  idle %d s: %.3f status writes per VM per minute   [target 0: %s]%n",
          idleSeconds,
          idleStatusWrites / (vms * idleMinutes),
          idleStatusWrites == 0 ? "met" : "MISSED");
      System.out.printf("  JSON: %s%n", out);
    }
  }

  private static QemuVM vm(String name) {
    return SmallVm.of(
        "bench",
        name,
        spec -> {
          spec.setBalloon(new Quantity("96Mi"));
          spec.getDisks().get(0).setSize(new Quantity("1Gi"));
          spec.setMigration(new MigrationSpec(new Quantity("32Mi"), "300ms"));
        });
  }

  private static void figure(ObjectNode report, String name, double value, String unit) {
    report.putObject(name).put("value", value).put("unit", unit);
  }

  private static double seconds(long since) {
    return (System.nanoTime() - since) / 1e9;
  }

  private static int intArg(String[] args, String name, int fallback) {
    return Integer.parseInt(stringArg(args, name, Integer.toString(fallback)));
  }

  private static String stringArg(String[] args, String name, String fallback) {
    for (int i = 0; i + 1 < args.length; i++) {
      if (args[i].equals(name)) {
        return args[i + 1];
      }
    }
    return fallback;
  }

  private static void progress(String format, Object... values) {
    System.err.printf("[bench] " + format + "%n", values);
  }
}
