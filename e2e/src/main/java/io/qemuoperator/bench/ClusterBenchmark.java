package io.qemuoperator.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.local.LocalStorage;
import io.qemuoperator.local.NodeAgent;
import io.qemuoperator.local.SmallVm;
import io.qemuoperator.local.VmTable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * Convergence and scale with REAL VMs: the operator as its own process on the mock API server, the
 * node agent running each VM pod as real QEMU and the real sidecar. Measures (1) N VMs from apply
 * to all Ready, the operator's CPU, heap, RSS and API writes per VM, then status writes per VM per
 * minute while idle; (2) a spec change ({@code paused} toggled) until QEMU is in the declared run
 * state, read over an independent QMP monitor; (3) an out-of-band {@code stop} until the operator
 * has QEMU running again, following QMP events vs with the periodic resync only; (4) QEMU's RSS.
 */
public final class ClusterBenchmark {
  private static final String NS = "bench";

  private ClusterBenchmark() {}

  public static void main(String[] args) throws Exception {
    int vms = intArg(args, "--vms", 20);
    int toggles = intArg(args, "--toggles", 100);
    int outOfBand = intArg(args, "--out-of-band", 30);
    int resyncOnly = intArg(args, "--resync-only", 8);
    int idleSeconds = intArg(args, "--idle-seconds", 60);
    Path jar = Path.of("operator/target/qemu-operator.jar");
    Path out = Path.of("e2e/target/bench-cluster.json");
    Path dir = Files.createTempDirectory("qo-bench-cl");
    ObjectNode report = new ObjectMapper().createObjectNode();
    report.put("machine", MachineFacts.read("").summary());
    report.put("loadAverageStart", MachineFacts.loadAverage());

    try (var cluster = new BenchCluster(dir, jar);
        var storage = LocalStorage.start(cluster.client(), dir.resolve("volumes"), Set.of(), true);
        var agent = new NodeAgent(cluster.client(), dir.resolve("pods"))) {
      KubernetesClient client = cluster.client();
      long pid = cluster.startOperator(Map.of());

      // 1. N real VMs from apply to all Ready
      progress("creating %d real VMs", vms);
      long writesBefore = cluster.operatorWrites();
      long start = System.nanoTime();
      for (int i = 0; i < vms; i++) {
        client.resource(vm("vm-" + i)).create();
      }
      while (ready(client) < vms) {
        Thread.sleep(100);
        if (seconds(start) > 600 || !cluster.operatorAlive()) {
          throw new IllegalStateException(
              ready(client) + "/" + vms + " Ready; see " + cluster.log());
        }
      }
      double allReady = seconds(start);
      figure(report, "realVmsAllReady", allReady, "s");
      figure(report, "realVmsOperatorCpu", ProcessFootprint.cpuSeconds(pid), "s");
      figure(report, "realVmsOperatorHeapUsed", cluster.operatorHeapUsedMib(), "MiB");
      figure(report, "realVmsOperatorRss", ProcessFootprint.rssKib(pid) / 1024.0, "MiB");
      figure(
          report,
          "realVmsApiWritesPerVm",
          (cluster.operatorWrites() - writesBefore) / (double) vms,
          "writes");
      double qemuRss = 0;
      for (int i = 0; i < vms; i++) {
        qemuRss += ProcessFootprint.rssKib(agent.qemu(NS, "vm-" + i + "-qemu").pid()) / 1024.0;
      }
      figure(report, "qemuRssPerVm", qemuRss / vms, "MiB");
      progress("%d VMs Ready after %.1f s; idle %d s", vms, allReady, idleSeconds);

      long statusBefore = cluster.statusWrites();
      Thread.sleep(Duration.ofSeconds(idleSeconds));
      figure(
          report,
          "idleStatusWritesPerVmPerMinute",
          (cluster.statusWrites() - statusBefore) / (vms * idleSeconds / 60.0),
          "writes");

      // 2. spec change → QEMU in the declared run state, over an independent monitor
      var toggle = new LatencySample("paused toggled → QEMU run state");
      try (var observer = DirectQmp.connect(agent.observerSocket(NS, "vm-0-qemu"))) {
        boolean paused = false;
        for (int i = 0; i < toggles; i++) {
          paused = !paused;
          boolean want = paused;
          long t0 = System.nanoTime();
          edit(
              client,
              "vm-0",
              vm -> {
                vm.getSpec().setPaused(want);
                return vm;
              });
          awaitRunState(observer, want ? "paused" : "running", t0);
          toggle.add(System.nanoTime() - t0);
        }
        if (paused) {
          edit(
              client,
              "vm-0",
              vm -> {
                vm.getSpec().setPaused(false);
                return vm;
              });
          awaitRunState(observer, "running", System.nanoTime());
        }
        report.set("specChangeToQemu", stats(toggle));
        progress(
            "spec → QEMU: p50 %.0f ms, p99 %.0f ms",
            toggle.stats().p50() / 1000, toggle.stats().p99() / 1000);

        // 3. out-of-band stop → running again, event-driven
        var events = outOfBand(observer, outOfBand, "out-of-band stop → corrected (QMP events)");
        report.set("outOfBandEventDriven", stats(events));
        progress("out-of-band, events: p50 %.0f ms", events.stats().p50() / 1000);
      }
      // ... and with the periodic resync only (10 s)
      cluster.stopOperator();
      cluster.startOperator(Map.of("QMP_EVENTS", "false", "RESYNC_INTERVAL", "PT10S"));
      Thread.sleep(5000); // the new operator has read every VM once
      try (var observer = DirectQmp.connect(agent.observerSocket(NS, "vm-0-qemu"))) {
        var resync =
            outOfBand(observer, resyncOnly, "out-of-band stop → corrected (resync only, 10 s)");
        report.set("outOfBandResyncOnly", stats(resync));
        report.put(
            "eventDrivenSpeedupP50",
            resync.stats().p50()
                / ((ObjectNode) report.get("outOfBandEventDriven")).get("p50Us").asDouble());
        progress("out-of-band, resync only: p50 %.0f ms", resync.stats().p50() / 1000);
      }
      report.put("loadAverageEnd", MachineFacts.loadAverage());
      Files.createDirectories(out.getParent());
      new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(out.toFile(), report);
      System.out.println(
          new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(report));
    }
  }

  private static LatencySample outOfBand(DirectQmp observer, int samples, String name)
      throws Exception {
    var sample = new LatencySample(name);
    for (int i = 0; i < samples; i++) {
      Thread.sleep(300);
      long t0 = System.nanoTime();
      observer.execute("stop");
      awaitRunState(observer, "running", t0);
      sample.add(System.nanoTime() - t0);
    }
    return sample;
  }

  private static void awaitRunState(DirectQmp observer, String runState, long since)
      throws Exception {
    String marker = "\"status\": \"" + runState + "\"";
    while (!observer.execute("query-status").contains(marker)) {
      if (seconds(since) > 60) {
        throw new IllegalStateException("QEMU not " + runState + " after 60 s");
      }
      Thread.sleep(1);
    }
  }

  private static void edit(KubernetesClient client, String name, UnaryOperator<QemuVM> change) {
    for (int attempt = 0; ; attempt++) {
      try {
        client.resources(QemuVM.class).inNamespace(NS).withName(name).edit(change);
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt > 10) {
          throw e;
        }
      }
    }
  }

  private static long ready(KubernetesClient client) {
    return client.resources(QemuVM.class).inNamespace(NS).list().getItems().stream()
        .filter(VmTable::isReady)
        .count();
  }

  private static QemuVM vm(String name) {
    return SmallVm.of(NS, name, spec -> spec.setBalloon(new Quantity("96Mi")));
  }

  private static ObjectNode stats(LatencySample sample) {
    var s = sample.stats();
    return new ObjectMapper()
        .createObjectNode()
        .put("n", s.count())
        .put("p50Us", s.p50())
        .put("p99Us", s.p99())
        .put("maxUs", s.max());
  }

  private static void figure(ObjectNode report, String name, double value, String unit) {
    report.putObject(name).put("value", value).put("unit", unit);
  }

  private static double seconds(long since) {
    return (System.nanoTime() - since) / 1e9;
  }

  private static int intArg(String[] args, String name, int fallback) {
    for (int i = 0; i + 1 < args.length; i++) {
      if (args[i].equals(name)) {
        return Integer.parseInt(args[i + 1]);
      }
    }
    return fallback;
  }

  private static void progress(String format, Object... values) {
    System.err.printf("[bench] " + format + "%n", values);
  }
}
