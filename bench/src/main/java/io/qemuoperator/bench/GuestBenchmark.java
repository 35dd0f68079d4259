package io.qemuoperator.bench;

import static io.qemuoperator.bench.ClusterBenchmark.figure;
import static io.qemuoperator.bench.ClusterBenchmark.intArg;
import static io.qemuoperator.bench.ClusterBenchmark.progress;
import static io.qemuoperator.bench.ClusterBenchmark.stats;
import static io.qemuoperator.bench.ClusterBenchmark.stringArg;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.api.v1alpha1.spec.CloudInitSpec;
import io.qemuoperator.api.v1alpha1.spec.DiskSource;
import io.qemuoperator.api.v1alpha1.spec.PortProtocol;
import io.qemuoperator.api.v1alpha1.spec.PortSpec;
import io.qemuoperator.api.v1alpha1.spec.ReadinessProbeSpec;
import io.qemuoperator.api.v1alpha1.status.QemuVMPhase;
import io.qemuoperator.local.LocalStorage;
import io.qemuoperator.local.NodeAgent;
import io.qemuoperator.local.SmallVm;
import io.qemuoperator.local.VmTable;
import io.qemuoperator.operator.reconcile.Conditions;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Real guests, from {@code kubectl apply} to the guest answering: the test guest (Debian's cloud
 * kernel + busybox, hack/test-guest.sh) imported from its disk image by URL, booted under the
 * accelerator the node offers (TCG on these machines), until its {@code GuestReady} condition is
 * True (the kubelet-style HTTP probe of its port 80, {@code /cgi-bin/cat?/proc/uptime}, answered).
 * One VM at a time ({@code --runs}, default 10) and {@code --batch} VMs at once (default 10, {@code
 * --batch-runs} times, default 3), each VM's time split into apply → QEMU running (import, pod,
 * QEMU start) and running → guest ready (the guest's boot and the probe); the sidecar's and QEMU's
 * RSS per booted VM. With {@code --debian IMAGE} (hack/debian-image.sh), a Debian 12 cloud image
 * from apply to its SSH server's banner on the VM's forwarded port. Real API server (default) or
 * the mock ({@code --api-server}). Figures are printed, never asserted.
 */
public final class GuestBenchmark {
  private static final String NS = "bench-guests";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long TIMEOUT_NANOS = 600_000_000_000L;

  private GuestBenchmark() {}

  record Options(
      int runs,
      int batch,
      int batchRuns,
      Path guestImage,
      Optional<Path> debianImage,
      Path operatorJar,
      Path out) {}

  public static void main(String[] args) throws Exception {
    String guest = stringArg(args, "--guest", System.getenv("QEMU_OPERATOR_TEST_GUEST"));
    if (guest == null) {
      throw new IllegalArgumentException("--guest DIR (hack/test-guest.sh prints it) is needed");
    }
    String debian = stringArg(args, "--debian", "");
    var options =
        new Options(
            intArg(args, "--runs", 10),
            intArg(args, "--batch", 10),
            intArg(args, "--batch-runs", 3),
            Path.of(guest).resolve("disk.qcow2"),
            debian.isEmpty() ? Optional.empty() : Optional.of(Path.of(debian)),
            Path.of(stringArg(args, "--operator-jar", "operator/target/qemu-operator.jar")),
            Path.of(stringArg(args, "--out", "bench/target/bench-guests.json")));
    String name = stringArg(args, "--api-server", "real");
    ObjectNode report = JSON.createObjectNode();
    report.put("machine", MachineFacts.read("").summary());
    report.put("loadAverageStart", MachineFacts.loadAverage());
    Path dir = Files.createTempDirectory("qo-bench-guests-");
    try (var server = BenchApiServer.start(name, dir)) {
      report.put("apiServer", server.description());
      run(server, dir, options, report);
    }
    report.put("loadAverageEnd", MachineFacts.loadAverage());
    Files.createDirectories(options.out().getParent());
    JSON.writerWithDefaultPrettyPrinter().writeValue(options.out().toFile(), report);
    System.out.println(table(report, options));
    System.out.printf(
        "machine %s; load average %s at start, %s at end%nJSON: %s%n",
        report.path("machine").asText(),
        report.path("loadAverageStart").asText(),
        report.path("loadAverageEnd").asText(),
        options.out());
  }

  // "try": the storage runs in the background for as long as the try block; nothing calls it
  @SuppressWarnings("try")
  private static void run(BenchApiServer server, Path dir, Options options, ObjectNode report)
      throws Exception {
    KubernetesClient client = server.client();
    server.createNamespace(NS);
    try (var storage =
            LocalStorage.start(
                client, dir.resolve("volumes"), Set.of(), server.needsVolumeBinder());
        var agent = new NodeAgent(client, dir.resolve("pods"));
        var cluster = new BenchCluster(server, dir, options.operatorJar())) {
      cluster.startOperator(Map.of(), false);
      String url = options.guestImage().toUri().toString();

      // 1. one VM at a time
      var toRunning = new LatencySample("apply → QEMU running");
      var toReady = new LatencySample("apply → guest ready");
      for (int i = 0; i < options.runs(); i++) {
        String vm = "one-" + i;
        long t0 = System.nanoTime();
        client.resource(testGuest(vm, url)).create();
        Times times = awaitGuestReady(client, List.of(vm), t0, cluster).get(vm);
        toRunning.add(times.running());
        toReady.add(times.ready());
        progress("1 VM, run %d: guest ready after %.1f s", i + 1, times.ready() / 1e9);
        deleteAndAwaitGone(client, agent, List.of(vm));
      }
      report.set("oneToRunning", stats(toRunning.stats()));
      report.set("oneToGuestReady", stats(toReady.stats()));

      // 2. a batch at once
      var batchToReady = new LatencySample("apply → guest ready, each VM of a batch");
      var batchAll = new LatencySample("apply → every guest of the batch ready");
      for (int r = 0; r < options.batchRuns(); r++) {
        List<String> vms = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < options.batch(); i++) {
          String vm = "batch-" + r + "-" + i;
          vms.add(vm);
          client.resource(testGuest(vm, url)).create();
        }
        Map<String, Times> times = awaitGuestReady(client, vms, t0, cluster);
        long last = 0;
        for (Times t : times.values()) {
          batchToReady.add(t.ready());
          last = Math.max(last, t.ready());
        }
        batchAll.add(last);
        progress("%d VMs, run %d: every guest ready after %.1f s", vms.size(), r + 1, last / 1e9);
        if (r == 0) {
          rssPerVm(agent, vms, report);
        }
        deleteAndAwaitGone(client, agent, vms);
      }
      report.put("batch", options.batch());
      report.set("batchEachToGuestReady", stats(batchToReady.stats()));
      report.set("batchAllGuestsReady", stats(batchAll.stats()));

      // 3. the Debian 12 cloud image to its SSH server's banner
      if (options.debianImage().isPresent()) {
        String vm = "debian";
        long t0 = System.nanoTime();
        client.resource(debian(vm, options.debianImage().get().toUri().toString())).create();
        double seconds = awaitSshBanner(client, vm, t0, cluster) / 1e9;
        figure(report, "debianToSshBanner", seconds, "s");
        progress("Debian 12: SSH banner after %.1f s", seconds);
        deleteAndAwaitGone(client, agent, List.of(vm));
      }
    }
  }

  /** The test guest: 1 vCPU, 256Mi, its disk imported by URL, HTTP on 80 probed every second. */
  static QemuVM testGuest(String name, String url) {
    return SmallVm.of(
        NS,
        name,
        s -> {
          s.setMemory(new Quantity("256Mi"));
          s.getDisks().getFirst().setSource(DiskSource.url(url, null));
          s.setPorts(List.of(new PortSpec("http", 80, PortProtocol.TCP)));
          var probe = new ReadinessProbeSpec("http", "/cgi-bin/cat?/proc/uptime");
          probe.setPeriodSeconds(1);
          s.setReadinessProbe(probe);
        });
  }

  /** Debian 12: 1 vCPU, 1Gi, a 4Gi disk from the image, SSH forwarded, cloud-init's hostname. */
  static QemuVM debian(String name, String url) {
    return SmallVm.of(
        NS,
        name,
        s -> {
          s.setMemory(new Quantity("1Gi"));
          s.getDisks().getFirst().setSize(new Quantity("4Gi"));
          s.getDisks().getFirst().setSource(DiskSource.url(url, null));
          s.setPorts(List.of(new PortSpec("ssh", 22, PortProtocol.TCP)));
          var cloudInit = new CloudInitSpec();
          cloudInit.setUserData("#cloud-config\nhostname: " + name + "\n");
          s.setCloudInit(cloudInit);
          s.setTerminationGracePeriodSeconds(30L);
        });
  }

  /** Nanoseconds from apply to QEMU running and to the guest ready, of one VM. */
  record Times(long running, long ready) {}

  private static Map<String, Times> awaitGuestReady(
      KubernetesClient client, List<String> vms, long t0, BenchCluster cluster)
      throws InterruptedException {
    Map<String, Long> running = new HashMap<>();
    Map<String, Times> ready = new HashMap<>();
    while (ready.size() < vms.size()) {
      for (QemuVM vm : list(client).orElse(List.of())) {
        String name = vm.getMetadata().getName();
        if (!vms.contains(name) || vm.getStatus() == null || ready.containsKey(name)) {
          continue;
        }
        long now = System.nanoTime() - t0;
        if (vm.getStatus().getPhase() == QemuVMPhase.Running) {
          running.putIfAbsent(name, now);
        }
        boolean guestReady =
            VmTable.condition(vm, Conditions.GUEST_READY)
                .map(c -> "True".equals(c.getStatus()))
                .orElse(false);
        if (guestReady) {
          ready.put(name, new Times(running.getOrDefault(name, now), now));
        }
      }
      check(t0, cluster, ready.size() + "/" + vms.size() + " guests ready");
      Thread.sleep(50);
    }
    return ready;
  }

  /**
   * The namespace's QemuVMs; empty when the API server did not answer in time (ten TCG guests
   * booting or powering down on two cores slow it down): the caller polls again.
   */
  private static Optional<List<QemuVM>> list(KubernetesClient client) {
    try {
      return Optional.of(client.resources(QemuVM.class).inNamespace(NS).list().getItems());
    } catch (KubernetesClientException e) {
      progress("API server: %s (polling again)", e.getMessage());
      return Optional.empty();
    }
  }

  /** Nanoseconds from apply until the guest's sshd greets on the pod's forwarded port 22. */
  private static long awaitSshBanner(
      KubernetesClient client, String vm, long t0, BenchCluster cluster)
      throws InterruptedException {
    while (true) {
      Pod pod = client.pods().inNamespace(NS).withName(vm + "-qemu").get();
      String ip = pod == null || pod.getStatus() == null ? null : pod.getStatus().getPodIP();
      if (ip != null && banner(ip, 22).startsWith("SSH-")) {
        return System.nanoTime() - t0;
      }
      check(t0, cluster, "no SSH banner from " + vm);
      Thread.sleep(250);
    }
  }

  /**
   * The first line a TCP server sends, or "" (QEMU's forward accepts even with no guest behind).
   */
  private static String banner(String host, int port) {
    try (var socket = new Socket()) {
      socket.connect(new InetSocketAddress(host, port), 1000);
      socket.setSoTimeout(2000);
      InputStream in = socket.getInputStream();
      byte[] buffer = new byte[64];
      int n = in.read(buffer);
      return n <= 0 ? "" : new String(buffer, 0, n, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      return "";
    }
  }

  private static void rssPerVm(NodeAgent agent, List<String> vms, ObjectNode report)
      throws IOException {
    double qemu = 0;
    double sidecar = 0;
    for (String vm : vms) {
      String pod = vm + "-qemu";
      qemu += ProcessFootprint.rssKib(agent.qemu(NS, pod).pid()) / 1024.0;
      var sidecarProcess = agent.sidecar(NS, pod);
      if (sidecarProcess.isPresent()) {
        sidecar += ProcessFootprint.rssKib(sidecarProcess.get().pid()) / 1024.0;
      }
    }
    figure(report, "qemuRssPerBootedVm", qemu / vms.size(), "MiB");
    figure(report, "sidecarRssPerBootedVm", sidecar / vms.size(), "MiB");
  }

  private static void deleteAndAwaitGone(KubernetesClient client, NodeAgent agent, List<String> vms)
      throws InterruptedException {
    for (String vm : vms) {
      client.resources(QemuVM.class).inNamespace(NS).withName(vm).delete();
    }
    long t0 = System.nanoTime();
    while (list(client)
            .map(all -> all.stream().anyMatch(vm -> vms.contains(vm.getMetadata().getName())))
            .orElse(true)
        || !agent.runningPods().isEmpty()) {
      if (System.nanoTime() - t0 > TIMEOUT_NANOS) {
        throw new IllegalStateException("VMs not gone: " + vms + "; pods " + agent.runningPods());
      }
      Thread.sleep(100);
    }
  }

  private static void check(long t0, BenchCluster cluster, String what) {
    if (!cluster.operatorAlive()) {
      throw new IllegalStateException("the operator ended; " + what + "; see " + cluster.log());
    }
    if (System.nanoTime() - t0 > TIMEOUT_NANOS) {
      throw new IllegalStateException(what + " after 600 s; see " + cluster.log());
    }
  }

  private static String table(ObjectNode r, Options options) {
    var out = new StringBuilder();
    out.append("Real guests (test guest, TCG here), ").append(r.path("apiServer").asText());
    out.append('\n');
    row(out, "1 VM: apply → QEMU running", r.path("oneToRunning"), "");
    row(out, "1 VM: apply → guest ready", r.path("oneToGuestReady"), "target <= 8 s");
    row(
        out,
        options.batch() + " VMs at once: each, apply → guest ready",
        r.path("batchEachToGuestReady"),
        "");
    row(
        out,
        options.batch() + " VMs at once: all guests ready",
        r.path("batchAllGuestsReady"),
        "target <= 45 s");
    out.append(
        String.format(
            "  %-48s %8.0f MiB%n  %-48s %8.0f MiB%n",
            "QEMU RSS per booted VM",
            r.path("qemuRssPerBootedVm").path("value").asDouble(),
            "sidecar RSS per booted VM",
            r.path("sidecarRssPerBootedVm").path("value").asDouble()));
    if (r.has("debianToSshBanner")) {
      out.append(
          String.format(
              "  %-48s %8.1f s%n",
              "Debian 12: apply → SSH banner",
              r.path("debianToSshBanner").path("value").asDouble()));
    }
    return out.toString();
  }

  private static void row(StringBuilder out, String label, JsonNode s, String target) {
    out.append(
        String.format(
            "  %-48s p50 %6.1f s  p99 %6.1f s  (n=%d)  %s%n",
            label,
            s.path("p50Us").asDouble() / 1e6,
            s.path("p99Us").asDouble() / 1e6,
            s.path("n").asInt(),
            target));
  }
}
