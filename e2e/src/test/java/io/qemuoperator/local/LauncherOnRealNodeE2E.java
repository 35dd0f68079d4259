package io.qemuoperator.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.chart.Helm4;
import io.qemuoperator.kubectl.SidecarEndpoint;
import io.qemuoperator.kubectl.VmSidecar;
import io.qemuoperator.testing.RepoFiles;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The README's run command on its default node, the real one: {@code qemu-operator-local up -f
 * examples/} starts a single-node Kubernetes (kubelet, containerd, kube-proxy… in their own network
 * namespace), imports the images built here, installs the Helm chart with the real Helm 4, and the
 * chart's operator pod brings every example to Ready as real pods. Then, on that node: what users
 * reach with kubectl (logs, exec, the pod's IP), a spec change reaching QEMU, a {@code helm
 * upgrade} to a new operator image that repeats no QMP action, and the VMs' deletion and {@code
 * helm uninstall}. On SIGTERM the launcher leaves nothing behind.
 *
 * <p>Needs root (the node's network namespace, mounts and cgroups), as the README's commands do.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LauncherOnRealNodeE2E {
  private static final String OPERATOR_NAMESPACE = "qemu-operator";
  private static final String VMS_NAMESPACE = "default";

  /** The QMP commands that change a VM (the operator's actions), as the sidecar counts them. */
  private static final Pattern ACTION_COUNT =
      Pattern.compile(
          "^qmp_command_seconds_count\\{command=\"(cont|stop|balloon|block_resize|migrate_set_speed"
              + "|migrate_set_downtime|set_link|block_set_io_throttle|system_powerdown|quit|eject"
              + "|change|blockdev-change-medium|system_reset)\",result=\"(\\w+)\"[^}]*\\} (\\S+)$",
          Pattern.MULTILINE);

  private static LauncherRun launcher;
  private static Path kubeconfig;
  private static Path kubectl;
  private static KubernetesClient client;
  private static final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void up() throws Exception {
    assertThat(new ProcessBuilder("id", "-u").start().inputReader().readLine())
        .as("the real node needs root, as the README's run command does")
        .isEqualTo("0");
    launcher = LauncherRun.up(List.of(), Map.of());
    try {
      // cold: the node's binaries and the images are built first (cached afterwards)
      Matcher line = launcher.awaitKubectlLine(Duration.ofMinutes(40));
      kubectl = Path.of(line.group(1));
      kubeconfig = Path.of(line.group(2));
      client = new KubernetesClientBuilder().withConfig(Kubeconfig.read(kubeconfig)).build();
      long examples = LauncherRun.exampleVms();
      Awaitility.await("the " + examples + " example VMs Ready on the real node")
          .atMost(Duration.ofMinutes(5))
          .pollInterval(Duration.ofSeconds(1))
          .ignoreExceptions()
          .until(
              () -> {
                List<QemuVM> vms = vms();
                return vms.size() == examples && vms.stream().allMatch(VmTable::isReady);
              });
    } catch (Exception | AssertionError e) {
      // the node stays up for the message; @AfterAll stops the launcher, which stops the node
      throw new AssertionError("launcher output:\n" + launcher.output() + pods(), e);
    }
  }

  @AfterAll
  static void down() throws Exception {
    if (client != null) {
      client.close();
    }
    if (launcher == null) {
      return;
    }
    launcher.process().destroy(); // SIGTERM
    assertThat(launcher.process().waitFor(2, TimeUnit.MINUTES)).as("the launcher ended").isTrue();
    if (kubeconfig != null) {
      Path nodeDir = kubeconfig.getParent();
      assertThat(nodeDir).as("the node's directory").doesNotExist();
      assertThat(run("ip", "netns", "list")).doesNotContain("qemu-operator-node");
      assertThat(
              ProcessHandle.allProcesses()
                  .filter(
                      p ->
                          p.info().arguments().stream()
                              .flatMap(java.util.Arrays::stream)
                              .anyMatch(a -> a.contains(nodeDir.toString())))
                  .map(p -> p.info().commandLine().orElse("?"))
                  .toList())
          .as("processes of the node still running")
          .isEmpty();
    }
  }

  @Test
  @Order(1)
  void theChartsOperatorRunsEveryExampleAsARealPodOfTheImagesBuiltHere() throws Exception {
    Node node = client.nodes().list().getItems().getFirst();
    assertThat(node.getStatus().getNodeInfo().getKubeletVersion()).isEqualTo("v1.20.2");
    assertThat(node.getStatus().getNodeInfo().getContainerRuntimeVersion())
        .startsWith("containerd://");

    Deployment deployment =
        client.apps().deployments().inNamespace(OPERATOR_NAMESPACE).withName("qemu-operator").get();
    assertThat(deployment.getStatus().getReadyReplicas()).isEqualTo(1);
    Pod operator = operatorPod();
    assertThat(operator.getSpec().getServiceAccountName()).isEqualTo("qemu-operator");
    assertThat(operator.getSpec().getContainers().getFirst().getImage())
        .isEqualTo("ghcr.io/qemu-operator/qemu-operator:0.1.0");

    for (QemuVM vm : vms()) {
      Pod pod = vmPod(vm.getMetadata().getName());
      assertThat(pod.getStatus().getPhase()).as(pod.getMetadata().getName()).isEqualTo("Running");
      Map<String, ContainerStatus> containers =
          pod.getStatus().getContainerStatuses().stream()
              .collect(Collectors.toMap(ContainerStatus::getName, c -> c));
      assertThat(containers.get("qemu").getImage()).isEqualTo("ghcr.io/qemu-operator/qemu:7.2");
      assertThat(containers.get("qmp-sidecar").getImage())
          .isEqualTo("ghcr.io/qemu-operator/qmp-sidecar:0.1.0");
      assertThat(containers.values())
          .allSatisfy(
              c -> {
                assertThat(c.getReady()).as(c.getName() + " ready").isTrue();
                assertThat(c.getImageID()).as(c.getName() + " image id").startsWith("sha256:");
              });
      // TCG here: the machine's KVM is a nested kvm_pvm, which QEMU must not use; status says so
      assertThat(VmTable.condition(vm, "Accelerated"))
          .hasValueSatisfying(c -> assertThat(c.getReason()).isEqualTo("TCG"));
    }
    if (Files.exists(Path.of("/dev/kvm"))) {
      // the node's device plugin offers /dev/kvm and hands it to the VM pods that ask
      assertThat(node.getStatus().getAllocatable()).containsKey("devices.kubevirt.io/kvm");
      assertThat(execInQemu("basic", "ls", "-l", "/dev/kvm")).contains("/dev/kvm");
    }
  }

  @Test
  @Order(2)
  void kubectlLogsExecAndThePodsIpReachTheVm() throws Exception {
    assertThat(kubectl("logs", "-n", VMS_NAMESPACE, podName("basic"), "-c", "qmp-sidecar"))
        .contains("0.0.0.0:9443");
    assertThat(execInQemu("basic", "qemu-system-x86_64", "--version"))
        .contains("QEMU emulator version 7.2");

    // the chart's NetworkPolicy is there, but the bridge CNI plugin enforces none: this host,
    // not an operator pod, reaches the sidecar; the VM's token still guards every command
    assertThat(client.network().networkPolicies().inNamespace(VMS_NAMESPACE).list().getItems())
        .isNotEmpty();
    SidecarEndpoint sidecar = VmSidecar.find(client, VMS_NAMESPACE, "basic").direct();
    assertThat(get(sidecar.http("/healthz"), null).statusCode()).isEqualTo(200);
    assertThat(get(sidecar.http("/v1/state"), null).statusCode()).isEqualTo(401);
    HttpResponse<String> state = get(sidecar.http("/v1/state"), sidecar.authorization());
    assertThat(state.statusCode()).isEqualTo(200);
    assertThat(state.body()).contains("\"running\"");
  }

  @Test
  @Order(3)
  void aSpecChangeReachesQemuAndStatusSaysSo() throws Exception {
    SidecarEndpoint sidecar = VmSidecar.find(client, VMS_NAMESPACE, "paused").direct();
    assertThat(get(sidecar.http("/v1/state"), sidecar.authorization()).body())
        .contains("\"paused\"");

    Manifests.editSpec(vmResource("paused"), s -> s.setPaused(false));

    Awaitility.await("QEMU of 'paused' running and its status saying so")
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(500))
        .ignoreExceptions()
        .until(
            () ->
                get(sidecar.http("/v1/state"), sidecar.authorization())
                        .body()
                        .contains("\"status\":\"running\"")
                    && "running".equals(vm("paused").getStatus().getRunState()));
  }

  @Test
  @Order(4)
  void aDiskGrowsBeyondItsClaimThroughTheNodesResizerAndQemuSeesIt() {
    String claim =
        io.qemuoperator.operator.pod.VmResources.claimName(vm("balloon-two-disks"), "data");
    var before = client.persistentVolumeClaims().inNamespace(VMS_NAMESPACE).withName(claim).get();
    assertThat(before.getStatus().getCapacity().get("storage"))
        .as("the pool's smallest volume that fits 64Mi")
        .isEqualTo(new Quantity("1Gi"));

    Manifests.editSpec(
        vmResource("balloon-two-disks"), s -> s.getDisks().get(1).setSize(new Quantity("2Gi")));

    // the claim asks for the disk plus qcow2's metadata; the node's resizer grows the 1Gi volume
    Awaitility.await("QEMU's disk grown to 2Gi, its claim and volume beyond their first 1Gi")
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofSeconds(1))
        .ignoreExceptions()
        .until(
            () ->
                vm("balloon-two-disks").getStatus().getDisks().stream()
                    .anyMatch(d -> d.getName().equals("data") && d.getSizeBytes() == 2L << 30));
    var grown = client.persistentVolumeClaims().inNamespace(VMS_NAMESPACE).withName(claim).get();
    Quantity request = grown.getSpec().getResources().getRequests().get("storage");
    assertThat(request.getNumericalAmount())
        .isGreaterThanOrEqualTo(new java.math.BigDecimal(2L << 30));
    assertThat(grown.getStatus().getCapacity().get("storage").getNumericalAmount())
        .isEqualByComparingTo(request.getNumericalAmount());
    assertThat(
            client
                .persistentVolumes()
                .withName(grown.getSpec().getVolumeName())
                .get()
                .getSpec()
                .getCapacity()
                .get("storage")
                .getNumericalAmount())
        .isEqualByComparingTo(request.getNumericalAmount());
    assertThat(vm("balloon-two-disks").getStatus().getDisks())
        .allSatisfy(d -> assertThat(d.getIoStatus()).as(d.getName()).isEqualTo("ok"));
  }

  @Test
  @Order(5)
  void helmUpgradeToANewOperatorImageKeepsTheVmsAndRepeatsNoQmpAction() throws Exception {
    Map<String, String> podUids = new TreeMap<>();
    Map<String, Map<String, Double>> actions = new TreeMap<>();
    for (QemuVM vm : vms()) {
      String name = vm.getMetadata().getName();
      podUids.put(name, vmPod(name).getMetadata().getUid());
      actions.put(name, actions(name));
    }
    String oldOperator = operatorPod().getMetadata().getName();
    // the new image: the same content under the next tag, as a registry would hold it
    run(
        "ctr",
        "--address",
        kubeconfig.getParent().resolve("run/containerd.sock").toString(),
        "-n",
        "k8s.io",
        "images",
        "tag",
        "ghcr.io/qemu-operator/qemu-operator:0.1.0",
        "ghcr.io/qemu-operator/qemu-operator:0.1.1");

    Helm4.Result upgrade =
        Helm4.forCluster(RepoFiles.root(), kubeconfig)
            .run(
                "upgrade",
                "qemu-operator",
                RepoFiles.file("helm/target/kube-1.20/qemu-operator").toString(),
                "--namespace",
                OPERATOR_NAMESPACE,
                "--reuse-values",
                "--set",
                "image.operator.tag=0.1.1",
                "--wait",
                "--timeout",
                "3m");
    assertThat(upgrade.ok()).as(upgrade.output()).isTrue();

    Awaitility.await("the new operator pod alone, on the new image, and every VM Ready by it")
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofSeconds(1))
        .ignoreExceptions()
        .until(
            () -> {
              List<Pod> operators = operatorPods();
              return operators.size() == 1
                  && !operators.getFirst().getMetadata().getName().equals(oldOperator)
                  && operators
                      .getFirst()
                      .getSpec()
                      .getContainers()
                      .getFirst()
                      .getImage()
                      .endsWith(":0.1.1")
                  && everyVmReadyByTheOperator(operators.getFirst(), podUids.size());
            });
    // a new operator observes first: give it a few resyncs' worth of events to act on wrongly
    TimeUnit.SECONDS.sleep(10);
    for (QemuVM vm : vms()) {
      String name = vm.getMetadata().getName();
      Pod pod = vmPod(name);
      assertThat(pod.getMetadata().getUid())
          .as(name + ": the same pod")
          .isEqualTo(podUids.get(name));
      assertThat(pod.getStatus().getContainerStatuses())
          .allSatisfy(c -> assertThat(c.getRestartCount()).as(name + " " + c.getName()).isZero());
      assertThat(actions(name))
          .as(name + ": QMP actions since the upgrade")
          .isEqualTo(actions.get(name));
    }
  }

  @Test
  @Order(6)
  void kubectlQvmGoesThroughTheKubeletsPortForwardAndAServiceThroughKubeProxy() throws Exception {
    // the plugin as users run it: kubectl's cluster, the VM's Secret, the API server's port-forward
    var plugin =
        new ProcessBuilder(
                "bash",
                RepoFiles.file("kubectl-plugin/kubectl-qvm").toString(),
                "logs",
                "imported-image")
            .redirectErrorStream(true);
    plugin.environment().put("KUBECONFIG", kubeconfig.toString());
    Process logs = plugin.start();
    String consoleLog = new String(logs.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(logs.waitFor(2, TimeUnit.MINUTES)).isTrue();
    assertThat(logs.exitValue()).as(consoleLog).isZero();
    assertThat(consoleLog).contains("qemu-operator test guest ready");

    Manifests.editSpec(
        vmResource("imported-image"),
        s -> s.setService(new io.qemuoperator.api.v1alpha1.spec.ServiceSpec()));
    String[] clusterIp = new String[1];
    Awaitility.await("the guest's web server answering at the VM's Service (kube-proxy)")
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofSeconds(1))
        .ignoreExceptions()
        .until(
            () -> {
              clusterIp[0] = clusterIp("imported-image");
              return guestAnswersAt(clusterIp[0]);
            });
    assertThat(clusterIp[0]).startsWith("10.96.0.");
  }

  /**
   * A live migration on the real node: the target pod started by the kubelet from the source's
   * spec, the stream over the pod network (TLS between the two pods), the hand-over; the guest's
   * web server then answers through the same Service (kube-proxy follows the VM to its new pod).
   */
  @Test
  @Order(7)
  void aRunningGuestMigratesToANewPodAndItsServiceFollows() throws Exception {
    var migration = new io.qemuoperator.api.v1alpha1.QemuVMMigration();
    migration.setMetadata(
        new io.fabric8.kubernetes.api.model.ObjectMetaBuilder()
            .withName("move-imported-image")
            .withNamespace(VMS_NAMESPACE)
            .build());
    migration.setSpec(new io.qemuoperator.api.v1alpha1.spec.QemuVMMigrationSpec("imported-image"));
    client.resource(migration).create();
    var requests =
        client
            .resources(io.qemuoperator.api.v1alpha1.QemuVMMigration.class)
            .inNamespace(VMS_NAMESPACE)
            .withName("move-imported-image");
    Awaitility.await("the migration of imported-image Completed")
        .atMost(Duration.ofMinutes(3))
        .pollInterval(Duration.ofMillis(500))
        .until(
            () -> {
              var status = requests.get().getStatus();
              assertThat(status == null ? null : status.getPhase())
                  .as("%s", status)
                  .isNotIn(
                      io.qemuoperator.api.v1alpha1.status.MigrationPhase.Failed,
                      io.qemuoperator.api.v1alpha1.status.MigrationPhase.Cancelled,
                      io.qemuoperator.api.v1alpha1.status.MigrationPhase.Refused);
              return status != null
                  && status.getPhase()
                      == io.qemuoperator.api.v1alpha1.status.MigrationPhase.Completed;
            });
    var done = requests.get().getStatus();
    System.err.printf(
        "[migration] real node: %s → %s (%s), %s sent in %d ms, guest paused %d ms%n",
        done.getSourcePod(),
        done.getTargetPod(),
        done.getPolicy(),
        done.getProgress().transferred(),
        done.getTotalTimeMs(),
        done.getGuestPausedMs());
    assertThat(done.getSourcePod()).isEqualTo("imported-image-qemu");
    Awaitility.await("the source pod gone, the VM Ready in its new pod")
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofSeconds(1))
        .ignoreExceptions()
        .until(
            () ->
                client.pods().inNamespace(VMS_NAMESPACE).withName("imported-image-qemu").get()
                        == null
                    && VmTable.isReady(vm("imported-image")));
    String clusterIp = clusterIp("imported-image");
    Awaitility.await("the guest's web server answering at the VM's Service from its new pod")
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofSeconds(1))
        .ignoreExceptions()
        .until(() -> guestAnswersAt(clusterIp));
    assertThat(
            client
                .secrets()
                .inNamespace(VMS_NAMESPACE)
                .withName("move-imported-image-migration-tls")
                .get())
        .as("the migration's certificates deleted once it ended")
        .isNull();
  }

  private static String clusterIp(String service) {
    return client
        .services()
        .inNamespace(VMS_NAMESPACE)
        .withName(service)
        .get()
        .getSpec()
        .getClusterIP();
  }

  /** Whether the test guest's web server answers at {@code address} (port 80). */
  private static boolean guestAnswersAt(String address) throws Exception {
    return get(URI.create("http://" + address + "/cgi-bin/cat?/proc/uptime"), null).statusCode()
        == 200;
  }

  @Test
  @Order(8)
  void deletingTheVmsThenUninstallingTheChartLeavesOnlyTheCrd() throws Exception {
    client.resources(QemuVM.class).inNamespace(VMS_NAMESPACE).delete();
    Awaitility.await("the VMs, their pods, claims and Secrets gone")
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () ->
                vms().isEmpty()
                    && client.pods().inNamespace(VMS_NAMESPACE).list().getItems().isEmpty()
                    && client
                        .persistentVolumeClaims()
                        .inNamespace(VMS_NAMESPACE)
                        .list()
                        .getItems()
                        .isEmpty());

    Helm4.Result uninstall =
        Helm4.forCluster(RepoFiles.root(), kubeconfig)
            .run("uninstall", "qemu-operator", "--namespace", OPERATOR_NAMESPACE, "--wait");
    assertThat(uninstall.ok()).as(uninstall.output()).isTrue();
    Awaitility.await("the chart's objects gone")
        .atMost(Duration.ofMinutes(1))
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () ->
                client
                        .apps()
                        .deployments()
                        .inNamespace(OPERATOR_NAMESPACE)
                        .list()
                        .getItems()
                        .isEmpty()
                    && operatorPods().isEmpty()
                    && client.rbac().clusterRoles().withName("qemu-operator").get() == null
                    && client
                            .serviceAccounts()
                            .inNamespace(OPERATOR_NAMESPACE)
                            .withName("qemu-operator")
                            .get()
                        == null);
    assertThat(
            client
                .apiextensions()
                .v1()
                .customResourceDefinitions()
                .withName("qemuvms.qemu-operator.io")
                .get())
        .as("Helm never deletes crds/")
        .isNotNull();
  }

  // --- helpers ---

  /**
   * True once the operator's own metrics say every VM is Ready ({@code qemu_operator_vm_ready}).
   */
  private static boolean everyVmReadyByTheOperator(Pod operator, int vms) throws Exception {
    HttpResponse<String> metrics =
        get(URI.create("http://" + operator.getStatus().getPodIP() + ":8080/metrics"), null);
    long ready =
        metrics
            .body()
            .lines()
            .filter(l -> l.startsWith("qemu_operator_vm_ready{") && l.endsWith(" 1.0"))
            .count();
    return ready == vms;
  }

  /** The sidecar's counts of QMP actions, by command and result. */
  private static Map<String, Double> actions(String vm) throws Exception {
    SidecarEndpoint sidecar = VmSidecar.find(client, VMS_NAMESPACE, vm).direct();
    String body = get(sidecar.http("/metrics"), sidecar.authorization()).body();
    Map<String, Double> counts = new TreeMap<>();
    Matcher m = ACTION_COUNT.matcher(body);
    while (m.find()) {
      counts.merge(m.group(1) + "/" + m.group(2), Double.parseDouble(m.group(3)), Double::sum);
    }
    return counts;
  }

  private static HttpResponse<String> get(URI uri, String authorization) throws Exception {
    var request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET();
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static List<QemuVM> vms() {
    return client.resources(QemuVM.class).inNamespace(VMS_NAMESPACE).list().getItems();
  }

  private static QemuVM vm(String name) {
    return vmResource(name).get();
  }

  private static io.fabric8.kubernetes.client.dsl.Resource<QemuVM> vmResource(String name) {
    return client.resources(QemuVM.class).inNamespace(VMS_NAMESPACE).withName(name);
  }

  private static Pod vmPod(String vm) {
    List<Pod> pods =
        client
            .pods()
            .inNamespace(VMS_NAMESPACE)
            .withLabel(VmSidecar.VM_LABEL, vm)
            .list()
            .getItems();
    assertThat(pods).as("the pod of " + vm).hasSize(1);
    return pods.getFirst();
  }

  private static String podName(String vm) {
    return vmPod(vm).getMetadata().getName();
  }

  private static List<Pod> operatorPods() {
    return client.pods().inNamespace(OPERATOR_NAMESPACE).list().getItems().stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
        .toList();
  }

  private static Pod operatorPod() {
    List<Pod> pods = operatorPods();
    assertThat(pods).as("the operator's pod").hasSize(1);
    return pods.getFirst();
  }

  /** The pods and their states, for a failure message. */
  private static String pods() {
    if (kubectl == null || kubeconfig == null) {
      return "";
    }
    try {
      return "\n" + kubectl("get", "pods", "-A", "-o", "wide") + kubectl("describe", "pods", "-A");
    } catch (Exception | AssertionError e) {
      return "\n(pods unavailable: " + e + ")";
    }
  }

  /** {@code kubectl exec} into the qemu container of {@code vm}'s pod. */
  private static String execInQemu(String vm, String... command) throws Exception {
    var args =
        new java.util.ArrayList<>(
            List.of("exec", "-n", VMS_NAMESPACE, podName(vm), "-c", "qemu", "--"));
    args.addAll(List.of(command));
    return kubectl(args.toArray(String[]::new));
  }

  private static String kubectl(String... args) throws Exception {
    var command = new java.util.ArrayList<String>();
    command.add(kubectl.toString());
    command.add("--kubeconfig");
    command.add(kubeconfig.toString());
    command.addAll(List.of(args));
    return run(command.toArray(String[]::new));
  }

  /** Runs a command (up to a minute); its stdout, or an AssertionError with what it said. */
  private static String run(String... command) throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    CompletableFuture<String> out =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
              } catch (IOException e) {
                return e.toString();
              }
            });
    if (!process.waitFor(1, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      throw new AssertionError(String.join(" ", command) + " took over a minute");
    }
    String text = out.get();
    if (process.exitValue() != 0) {
      throw new AssertionError(String.join(" ", command) + " failed:\n" + text);
    }
    return text;
  }
}
