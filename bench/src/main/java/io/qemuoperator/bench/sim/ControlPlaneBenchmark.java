package io.qemuoperator.bench.sim;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.api.v1alpha1.spec.MigrationSpec;
import io.qemuoperator.bench.ApiRequests;
import io.qemuoperator.bench.BenchApiServer;
import io.qemuoperator.bench.BenchCluster;
import io.qemuoperator.bench.LatencySample;
import io.qemuoperator.bench.MachineFacts;
import io.qemuoperator.bench.ProcessFootprint;
import io.qemuoperator.bench.SideBySide;
import io.qemuoperator.bench.StatusWrites;
import io.qemuoperator.local.LocalStorage;
import io.qemuoperator.local.SmallVm;
import io.qemuoperator.local.VmTable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;

/**
 * Control-plane scale with SIMULATED VMs, on a real API server (kube-apiserver v1.20.2 on etcd,
 * kube-controller-manager) and on Fabric8's mock API server for comparison ({@code --api-server
 * real|mock|both}, default both): N QemuVMs, the real operator as its own process ({@code java -jar
 * operator/target/qemu-operator.jar}), the local cluster's storage binding each disk's claim, a
 * {@link SimulatedKubelet} and {@link SidecarSimulator} answering for every VM's pod and sidecar.
 * Measures the time until every VM is Ready, the operator's CPU seconds, heap and RSS, its API
 * requests and writes per VM (by verb and resource, from the server's audit log or the mock's
 * request log), and then its writes per VM per minute while nothing changes. The VMs are simulated:
 * these are figures for the control plane, not for QEMU.
 */
public final class ControlPlaneBenchmark {
  private static final String NS = "bench";
  private static final ObjectMapper JSON = new ObjectMapper();

  private ControlPlaneBenchmark() {}

  public static void main(String[] args) throws Exception {
    int vms = intArg(args, "--vms", 1000);
    int idleSeconds = intArg(args, "--idle-seconds", 60);
    Path operatorJar =
        Path.of(stringArg(args, "--operator-jar", "operator/target/qemu-operator.jar"));
    Path out = Path.of(stringArg(args, "--out", "bench/target/bench-control-plane.json"));
    var machine = MachineFacts.read("not used: the VMs are simulated");
    ObjectNode report = JSON.createObjectNode();
    report.put(
        "simulated",
        "VMs and sidecars are simulated (SidecarSimulator); the operator and API calls are real");
    report.put("machine", machine.summary());
    report.put("loadAverageStart", MachineFacts.loadAverage());
    report.put("vms", vms);
    var runs = new LinkedHashMap<String, ObjectNode>();
    for (String name : BenchApiServer.chosen(stringArg(args, "--api-server", "both"))) {
      Path dir = Files.createTempDirectory("qo-bench-cp-" + name + "-");
      progress("API server %s; files in %s", name, dir);
      try (var server = BenchApiServer.start(name, dir)) {
        runs.put(name, run(server, dir, operatorJar, vms, idleSeconds));
      }
    }
    report.put("loadAverageEnd", MachineFacts.loadAverage());
    runs.forEach(report::set);
    Files.createDirectories(out.getParent());
    JSON.writerWithDefaultPrettyPrinter().writeValue(out.toFile(), report);

    System.out.printf(
        "control plane, %d SIMULATED VMs (real operator process, simulated kubelet and sidecars)%n",
        vms);
    System.out.print(
        new SideBySide(runs)
            .section("apply → all Ready")
            .row("all Ready after", SideBySide.figure("convergeSeconds", "%.1f s"), "<= 120 s")
            .row("operator CPU", SideBySide.figure("operatorCpuSeconds", "%.1f s"), "")
            .row(
                "operator heap used",
                SideBySide.figure("operatorHeapUsed", "%.0f MiB"),
                "<= 512 MiB")
            .row("operator RSS", SideBySide.figure("operatorRss", "%.0f MiB"), "")
            .row("API requests per VM", SideBySide.figure("apiRequestsPerVm", "%.2f"), "")
            .row("API writes per VM", SideBySide.figure("apiWritesPerVm", "%.2f"), "<= 6")
            .breakdown("apiWritesPerVmByKind", "%.2f", "  ")
            .row("status writes per VM, by the phase written", run -> "", "")
            .breakdown("statusWritesPerVmByPhase", "%.2f", "  ")
            .row("QMP commands per VM", SideBySide.figure("sidecarCommandsPerVm", "%.2f"), "")
            .row("per VM, p50 / p90:", run -> "", "")
            .row(
                "  created → claims bound",
                SideBySide.p50p90("convergencePerVm", "created → claims bound"),
                "")
            .row(
                "  claims bound → pod Running",
                SideBySide.p50p90("convergencePerVm", "claims bound → pod Running"),
                "")
            .row(
                "  pod Running → QemuVM Ready",
                SideBySide.p50p90("convergencePerVm", "pod Running → QemuVM Ready"),
                "")
            .section("idle " + idleSeconds + " s")
            .row(
                "status writes per VM per minute",
                SideBySide.figure("idleStatusWritesPerVmPerMinute", "%.3f"),
                "0")
            .row(
                "all writes per VM per minute",
                SideBySide.figure("idleApiWritesPerVmPerMinute", "%.3f"),
                "")
            .row(
                "API requests per VM per minute",
                SideBySide.figure("idleApiRequestsPerVmPerMinute", "%.3f"),
                "")
            .render());
    System.out.printf(
        "machine %s; load average %s at start, %s at end%nJSON: %s%n",
        machine.summary(),
        report.path("loadAverageStart").asText(),
        report.path("loadAverageEnd").asText(),
        out);
  }

  // "try": the storage runs in the background for as long as the try block; nothing calls it
  @SuppressWarnings("try")
  private static ObjectNode run(
      BenchApiServer server, Path dir, Path operatorJar, int vms, int idleSeconds)
      throws Exception {
    ObjectNode report = JSON.createObjectNode();
    report.put("apiServer", server.description());
    KubernetesClient client = server.client();
    server.createNamespace(NS);
    try (var storage =
            LocalStorage.start(
                client, dir.resolve("volumes"), Set.of(), server.needsVolumeBinder());
        var sidecars = new SidecarSimulator(0);
        var kubelet = new SimulatedKubelet(client, sidecars);
        var cluster = new BenchCluster(server, dir, operatorJar);
        var statusWrites = new StatusWrites(client, NS)) {
      long pid =
          cluster.startOperator(Map.of("SIDECAR_PORT", Integer.toString(sidecars.port())), false);
      progress(
          "%s: operator pid %d; creating %d QemuVMs (simulated sidecars on port %d)",
          server.name(), pid, vms, sidecars.port());

      long start = System.nanoTime();
      var createdAt = new ConcurrentHashMap<String, Long>();
      try (var pool = Executors.newFixedThreadPool(16)) {
        for (int i = 0; i < vms; i++) {
          String name = "vm-" + i;
          pool.submit(
              () -> {
                createdAt.put(name, System.nanoTime());
                client.resource(vm(name)).create();
              });
        }
      }
      int ready = 0;
      long polls = 0;
      while (ready < vms) {
        Thread.sleep(500);
        polls++;
        ready =
            (int)
                client.resources(QemuVM.class).inNamespace(NS).list().getItems().stream()
                    .filter(VmTable::isReady)
                    .count();
        if (polls % 10 == 0) {
          progress("%s: %d/%d Ready after %.0f s", server.name(), ready, vms, seconds(start));
        }
        if (!cluster.operatorAlive()) {
          throw new IllegalStateException("the operator exited; see " + cluster.log());
        }
        if (seconds(start) > 1800) {
          throw new IllegalStateException("not converged after 1800 s: " + ready + "/" + vms);
        }
      }
      double converge = seconds(start);
      double cpu = ProcessFootprint.cpuSeconds(pid);
      long rss = ProcessFootprint.rssKib(pid);
      double heap = cluster.operatorHeapUsedMib();
      Thread.sleep(1000); // the last writes of the last passes reach the audit log
      ApiRequests toReady = cluster.operatorRequests();
      var byPhase = statusWrites.byPhase();
      progress(
          "%s: all %d Ready after %.1f s, %.2f writes per VM; idle %d s",
          server.name(), vms, converge, toReady.writes() / (double) vms, idleSeconds);

      Thread.sleep(Duration.ofSeconds(idleSeconds));
      ApiRequests idle = cluster.operatorRequests().since(toReady);
      double perVmMinute = vms * idleSeconds / 60.0;

      figure(report, "convergeSeconds", converge, "s");
      figure(report, "operatorCpuSeconds", cpu, "s");
      figure(report, "operatorHeapUsed", heap, "MiB");
      figure(report, "operatorRss", rss / 1024.0, "MiB");
      figure(report, "apiRequestsPerVm", toReady.total() / (double) vms, "requests");
      figure(report, "apiWritesPerVm", toReady.writes() / (double) vms, "writes");
      report.set("apiWritesPerVmByKind", perVm(toReady.writesByKind(), vms));
      report.set("statusWritesPerVmByPhase", perVm(byPhase, vms));
      figure(report, "sidecarCommandsPerVm", sidecars.commands() / (double) vms, "commands");
      ObjectNode perVm = report.putObject("convergencePerVm");
      stage(perVm, "created → claims bound", createdAt, kubelet.claimsBoundAt());
      stage(perVm, "claims bound → pod Running", kubelet.claimsBoundAt(), kubelet.runningAt());
      stage(perVm, "pod Running → QemuVM Ready", kubelet.runningAt(), statusWrites.readyAt());
      figure(report, "idleStatusWritesPerVmPerMinute", idle.statusWrites() / perVmMinute, "writes");
      figure(report, "idleApiWritesPerVmPerMinute", idle.writes() / perVmMinute, "writes");
      figure(report, "idleApiRequestsPerVmPerMinute", idle.total() / perVmMinute, "requests");
    }
    return report;
  }

  private static QemuVM vm(String name) {
    return SmallVm.of(
        NS,
        name,
        spec -> {
          spec.setBalloon(new Quantity("96Mi"));
          spec.getDisks().get(0).setSize(new Quantity("1Gi"));
          spec.setMigration(new MigrationSpec(new Quantity("32Mi"), "300ms"));
        });
  }

  /** p50 and p90 over the VMs of the time from {@code from} to {@code to} (nanoTime by VM). */
  private static void stage(
      ObjectNode report, String name, Map<String, Long> from, Map<String, Long> to) {
    var sample = new LatencySample(name);
    from.forEach(
        (vm, t0) -> {
          Long t1 = to.get(vm);
          if (t1 != null) {
            sample.add(t1 - t0);
          }
        });
    if (sample.count() > 0) {
      var stats = sample.stats();
      report.putObject(name).put("p50Ms", stats.p50() / 1000).put("p90Ms", stats.p90() / 1000);
    }
  }

  private static ObjectNode perVm(Map<String, Long> counts, int vms) {
    ObjectNode node = JSON.createObjectNode();
    counts.forEach((key, count) -> node.put(key, count / (double) vms));
    return node;
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
