package io.qemuoperator.chart;

import static io.qemuoperator.chart.ApiCall.call;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.marcnuri.helm.Helm;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.api.v1alpha1.spec.QemuVMSpec;
import io.qemuoperator.operator.OperatorConfig;
import io.qemuoperator.operator.OperatorDeployment;
import io.qemuoperator.operator.pod.VmPod;
import io.qemuoperator.operator.pod.VmResources;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The Helm chart rendered by an embedded Helm (helm-java) for the default values and the
 * combinations that change its shape, checked against what the operator's code does.
 */
class HelmChartTest {

  /**
   * Every call the operator makes in the namespaces it watches, read from its code: JOSDK's
   * informers (list, watch) on the QemuVMs and, by label selector, on Pods, Secrets and claims
   * (QemuVMReconciler.prepareEventSources); {@code ensure} creates the Secret, claims and pod and
   * reads one back after a 409; the pod is deleted after {@code quit}; VmEvents creates Events;
   * JOSDK adds and removes the finalizer with a JSON patch of the QemuVM after reading it (SSA is
   * off, QemuOperator.start), and the status is patched (PrimaryUpdateAndCacheUtils.patchStatus…,
   * ErrorStatusUpdateControl.patchStatus); the owner references the operator sets carry
   * blockOwnerDeletion (VmResources.owner), which needs update on qemuvms/finalizers where
   * OwnerReferencesPermissionEnforcement runs. The chart's rules must be exactly these.
   */
  static final Set<ApiCall> OPERATOR_API_CALLS =
      Set.of(
          call("qemu-operator.io", "qemuvms", "get"),
          call("qemu-operator.io", "qemuvms", "list"),
          call("qemu-operator.io", "qemuvms", "watch"),
          call("qemu-operator.io", "qemuvms", "patch"),
          call("qemu-operator.io", "qemuvms/status", "patch"),
          call("qemu-operator.io", "qemuvms/finalizers", "update"),
          call("qemu-operator.io", "qemuvmmigrations", "get"),
          call("qemu-operator.io", "qemuvmmigrations", "list"),
          call("qemu-operator.io", "qemuvmmigrations", "watch"),
          call("qemu-operator.io", "qemuvmmigrations", "patch"),
          call("qemu-operator.io", "qemuvmmigrations/status", "patch"),
          call("qemu-operator.io", "qemuvmmigrations/finalizers", "update"),
          call("", "pods", "get"),
          call("", "pods", "list"),
          call("", "pods", "watch"),
          call("", "pods", "create"),
          call("", "pods", "delete"),
          call("", "pods", "patch"),
          call("", "secrets", "get"),
          call("", "secrets", "list"),
          call("", "secrets", "watch"),
          call("", "secrets", "create"),
          call("", "secrets", "delete"),
          call("", "persistentvolumeclaims", "get"),
          call("", "persistentvolumeclaims", "list"),
          call("", "persistentvolumeclaims", "watch"),
          call("", "persistentvolumeclaims", "create"),
          call("", "persistentvolumeclaims", "patch"),
          call("", "services", "get"),
          call("", "services", "list"),
          call("", "services", "watch"),
          call("", "services", "create"),
          call("", "services", "patch"),
          call("", "services", "delete"),
          call("", "events", "create"),
          call("", "events", "patch"),
          call("", "events", "get"));

  /**
   * JOSDK's LeaderElectionManager: Fabric8's LeaseLock reads and creates the Lease and renews it
   * with a PATCH (ResourceLock.update), and JOSDK will not start unless "update" is allowed as well
   * (LeaderElectionManager.checkLeaseAccess). Both found by ChartRbacOnRealApiServerE2E.
   */
  static final Set<ApiCall> LEADER_ELECTION_CALLS =
      Set.of(
          call("coordination.k8s.io", "leases", "get"),
          call("coordination.k8s.io", "leases", "create"),
          call("coordination.k8s.io", "leases", "update"),
          call("coordination.k8s.io", "leases", "patch"));

  private static final String FULLNAME = RenderedChart.RELEASE;

  private static RenderedChart defaults() {
    return RenderedChart.render(Map.of());
  }

  private static RenderedChart watching(String... namespaces) {
    return RenderedChart.renderValuesFile(
        "watchNamespaces: [" + String.join(", ", namespaces) + "]\n");
  }

  @Test
  void lintsCleanInStrictMode() {
    var result = new Helm(RenderedChart.chart()).lint().strict().call();

    assertThat(result.isFailed()).as("%s", result.getMessages()).isFalse();
    assertThat(result.getMessages())
        .noneMatch(m -> m.contains("[ERROR]") || m.contains("[WARNING]"));
  }

  @Test
  void clusterRoleByDefaultGrantsExactlyTheCallsTheOperatorMakes() {
    RenderedChart chart = defaults();

    JsonNode role = chart.named("ClusterRole", FULLNAME);
    assertThat(calls(role)).isEqualTo(OPERATOR_API_CALLS);
    JsonNode binding = chart.named("ClusterRoleBinding", FULLNAME);
    assertThat(binding.path("roleRef").path("kind").asText()).isEqualTo("ClusterRole");
    assertThat(binding.path("roleRef").path("name").asText()).isEqualTo(FULLNAME);
    assertBoundToOperator(chart, binding);
    assertThat(chart.ofKind("Role")).as("no lease Role with one replica").isEmpty();
    assertThat(chart.operatorEnv()).doesNotContainKeys("LEADER_ELECTION", "WATCH_NAMESPACES");
  }

  @Test
  void noWildcardInAnyRoleForAnyCombinationOfValues() {
    var combinations =
        List.of(
            defaults(),
            watching("a", "b"),
            RenderedChart.render(Map.of("replicas", 2)),
            RenderedChart.render(Map.of("metrics.serviceMonitor.enabled", true)));
    for (RenderedChart chart : combinations) {
      List<JsonNode> roles =
          Stream.concat(chart.ofKind("Role").stream(), chart.ofKind("ClusterRole").stream())
              .toList();
      assertThat(roles).isNotEmpty();
      for (JsonNode role : roles) {
        for (JsonNode rule : role.path("rules")) {
          for (String field : List.of("verbs", "resources", "apiGroups")) {
            assertThat(rule.path(field)).as("%s in %s", field, name(role)).isNotEmpty();
            rule.path(field)
                .forEach(
                    v ->
                        assertThat(v.asText())
                            .as("%s in %s", field, name(role))
                            .isNotEqualTo("*")
                            .doesNotContain("*"));
          }
          assertThat(rule.has("nonResourceURLs")).isFalse();
        }
      }
    }
  }

  @Test
  void watchNamespacesGivesOneRolePerNamespaceAndNoClusterWideOperatorRole() {
    RenderedChart chart = watching("a", "b");

    for (String namespace : List.of("a", "b")) {
      JsonNode role =
          chart.where(m -> "Role".equals(kind(m)) && namespace.equals(namespace(m))).stream()
              .filter(m -> FULLNAME.equals(name(m)))
              .findFirst()
              .orElseThrow(() -> new AssertionError("no Role in " + namespace));
      assertThat(calls(role)).as("Role in %s", namespace).isEqualTo(OPERATOR_API_CALLS);
      JsonNode binding =
          chart.where(m -> "RoleBinding".equals(kind(m)) && namespace.equals(namespace(m))).get(0);
      assertThat(binding.path("roleRef").path("kind").asText()).isEqualTo("Role");
      assertThat(binding.path("roleRef").path("name").asText()).isEqualTo(FULLNAME);
      assertBoundToOperator(chart, binding);
    }
    assertThat(chart.ofKind("ClusterRole").stream().map(HelmChartTest::name))
        .containsExactlyInAnyOrder(FULLNAME + "-view", FULLNAME + "-edit");
    assertThat(chart.ofKind("ClusterRoleBinding")).isEmpty();
    assertThat(chart.ofKind("NetworkPolicy").stream().map(HelmChartTest::namespace))
        .containsExactlyInAnyOrder("a", "b");

    Map<String, String> env = chart.operatorEnv();
    assertThat(env).containsEntry("WATCH_NAMESPACES", "a,b");
    assertThat(OperatorDeployment.fromEnvironment(podEnv(env)).watchNamespaces())
        .containsExactlyInAnyOrder("a", "b");
  }

  @Test
  void twoReplicasTurnOnLeaderElectionWithALeaseRoleInTheReleaseNamespace() {
    RenderedChart chart = RenderedChart.render(Map.of("replicas", 2));

    JsonNode role = chart.named("Role", FULLNAME + "-leader-election");
    assertThat(namespace(role)).isEqualTo(RenderedChart.NAMESPACE);
    assertThat(calls(role)).isEqualTo(LEADER_ELECTION_CALLS);
    JsonNode binding = chart.named("RoleBinding", FULLNAME + "-leader-election");
    assertThat(binding.path("roleRef").path("name").asText())
        .isEqualTo(FULLNAME + "-leader-election");
    assertBoundToOperator(chart, binding);

    Map<String, String> env = chart.operatorEnv();
    assertThat(env)
        .containsEntry("LEADER_ELECTION", "true")
        .containsEntry("POD_NAMESPACE", "fieldRef:metadata.namespace");
    var election = OperatorDeployment.fromEnvironment(podEnv(env)).leaderElection().orElseThrow();
    assertThat(election.getLeaseName()).isEqualTo("qemu-operator");
    assertThat(election.getLeaseNamespace()).contains(RenderedChart.NAMESPACE);
    assertThat(chart.one("Deployment").path("spec").path("replicas").asInt()).isEqualTo(2);
    assertThat(chart.one("Deployment").path("spec").has("strategy"))
        .as("rolling update: a new replica waits for the lease")
        .isFalse();
  }

  @Test
  void oneReplicaRecreatesAndCanOptIntoLeaderElection() {
    assertThat(defaults().one("Deployment").path("spec").path("strategy").path("type").asText())
        .isEqualTo("Recreate");

    RenderedChart chart = RenderedChart.render(Map.of("leaderElection.enabled", true));
    assertThat(calls(chart.named("Role", FULLNAME + "-leader-election")))
        .isEqualTo(LEADER_ELECTION_CALLS);
    assertThat(chart.operatorEnv()).containsEntry("LEADER_ELECTION", "true");
  }

  @Test
  void severalReplicasWithoutLeaderElectionAreRefused() {
    assertThatThrownBy(
            () -> RenderedChart.render(Map.of("replicas", 2, "leaderElection.enabled", false)))
        .hasMessageContaining("leaderElection.enabled");
  }

  @Test
  void networkPolicyLetsOnlyTheOperatorsPodsReachTheVmSidecarPort() {
    RenderedChart chart = defaults();
    QemuVM vm = vm("web-1");
    var vmPod = new VmPod(OperatorConfig.defaults()).desired(vm);
    int sidecarPort = io.qemuoperator.kubectl.VmSidecar.port(vmPod);

    JsonNode policy = chart.one("NetworkPolicy");
    assertThat(namespace(policy)).isEqualTo(RenderedChart.NAMESPACE);
    Map<String, String> selected =
        RenderedChart.strings(policy.path("spec").path("podSelector").path("matchLabels"));
    assertThat(selected).containsEntry(VmResources.LABEL_NAME, VmResources.POD_APP);
    assertThat(vmPod.getMetadata().getLabels()).containsAllEntriesOf(selected);
    Map<String, String> operatorPodLabels = operatorPodLabels(chart);
    assertThat(operatorPodLabels.entrySet().containsAll(selected.entrySet()))
        .as("the operator is not a VM")
        .isFalse();

    assertThat(policy.path("spec").path("policyTypes"))
        .extracting(JsonNode::asText)
        .containsExactly("Ingress");
    JsonNode ingress = policy.path("spec").path("ingress");
    assertThat(ingress).hasSize(2);
    JsonNode from = ingress.get(0).path("from");
    assertThat(from).hasSize(1);
    Map<String, String> peerPods =
        RenderedChart.strings(from.get(0).path("podSelector").path("matchLabels"));
    assertThat(peerPods).isNotEmpty();
    assertThat(operatorPodLabels).containsAllEntriesOf(peerPods);
    assertThat(RenderedChart.strings(from.get(0).path("namespaceSelector").path("matchLabels")))
        .containsExactly(Map.entry("kubernetes.io/metadata.name", RenderedChart.NAMESPACE));
    JsonNode ports = ingress.get(0).path("ports");
    assertThat(ports).hasSize(1);
    assertThat(ports.get(0).path("protocol").asText()).isEqualTo("TCP");
    assertThat(ports.get(0).path("port").asInt()).isEqualTo(sidecarPort).isEqualTo(9443);

    // a live migration's stream: from VM pods of the same namespace, to QEMU's incoming port only
    JsonNode migration = ingress.get(1);
    assertThat(migration.path("from")).hasSize(1);
    assertThat(migration.path("from").get(0).has("namespaceSelector")).isFalse();
    assertThat(vmPod.getMetadata().getLabels())
        .containsAllEntriesOf(
            RenderedChart.strings(
                migration.path("from").get(0).path("podSelector").path("matchLabels")));
    assertThat(migration.path("ports")).hasSize(1);
    assertThat(migration.path("ports").get(0).path("port").asInt())
        .isEqualTo(io.qemuoperator.operator.migration.MigrationTargetPod.MIGRATION_PORT);
  }

  @Test
  void deploymentPassesImagesAndSettingsTheOperatorReadsAndRunsRestricted() {
    RenderedChart chart =
        RenderedChart.render(
            Map.of(
                "image.qemu.repository", "registry.example/qemu",
                "image.qemu.tag", "10.0",
                "image.sidecar.repository", "registry.example/sidecar",
                "image.sidecar.tag", "1.2.3",
                "image.operator.tag", "0.1.1"));

    JsonNode container = chart.operatorContainer();
    assertThat(container.path("image").asText())
        .isEqualTo("ghcr.io/qemu-operator/qemu-operator:0.1.1");
    OperatorConfig config = OperatorConfig.fromEnvironment(podEnv(chart.operatorEnv()));
    assertThat(config.qemuImage()).isEqualTo("registry.example/qemu:10.0");
    assertThat(config.sidecarImage()).isEqualTo("registry.example/sidecar:1.2.3");

    JsonNode security = container.path("securityContext");
    assertThat(security.path("runAsNonRoot").asBoolean()).isTrue();
    assertThat(security.path("readOnlyRootFilesystem").asBoolean()).isTrue();
    assertThat(security.path("allowPrivilegeEscalation").isBoolean()).isTrue();
    assertThat(security.path("allowPrivilegeEscalation").asBoolean()).isFalse();
    assertThat(security.path("capabilities").path("drop"))
        .extracting(JsonNode::asText)
        .containsExactly("ALL");
    assertThat(security.path("seccompProfile").path("type").asText()).isEqualTo("RuntimeDefault");
    JsonNode podSecurity =
        chart.one("Deployment").path("spec").path("template").path("spec").path("securityContext");
    assertThat(podSecurity.path("runAsNonRoot").asBoolean()).isTrue();
    assertThat(podSecurity.path("seccompProfile").path("type").asText())
        .isEqualTo("RuntimeDefault");

    assertThat(container.path("resources").path("requests").path("memory").asText())
        .isEqualTo("256Mi");
    assertThat(container.path("resources").path("limits").path("memory").asText())
        .isEqualTo("512Mi");
  }

  @Test
  void defaultValuesGiveTheOperatorItsOwnDefaultsAndProbesOnTheMetricsPort() {
    RenderedChart chart = defaults();
    Map<String, String> env = chart.operatorEnv();

    assertThat(OperatorConfig.fromEnvironment(podEnv(env))).isEqualTo(OperatorConfig.defaults());
    assertThat(env).containsEntry("METRICS_PORT", "8080");
    JsonNode container = chart.operatorContainer();
    JsonNode port = container.path("ports").get(0);
    assertThat(port.path("containerPort").asInt()).isEqualTo(8080);
    for (String probe : List.of("livenessProbe", "readinessProbe")) {
      JsonNode get = container.path(probe).path("httpGet");
      assertThat(get.path("path").asText()).as(probe).isEqualTo("/healthz");
      assertThat(get.path("port").asText()).as(probe).isEqualTo(port.path("name").asText());
    }
    JsonNode pod = chart.one("Deployment").path("spec").path("template").path("spec");
    assertThat(pod.path("serviceAccountName").asText())
        .isEqualTo(name(chart.one("ServiceAccount")));
  }

  @Test
  void metricsServiceAlwaysAndServiceMonitorOnlyWhenAskedFor() {
    RenderedChart plain = defaults();
    assertThat(plain.ofKind("ServiceMonitor")).isEmpty();
    JsonNode service = plain.one("Service");
    JsonNode port = service.path("spec").path("ports").get(0);
    assertThat(port.path("port").asInt()).isEqualTo(8080);
    assertThat(port.path("targetPort").asText()).isEqualTo("http-metrics");
    assertThat(operatorPodLabels(plain))
        .containsAllEntriesOf(RenderedChart.strings(service.path("spec").path("selector")));

    RenderedChart monitored =
        RenderedChart.render(
            Map.of(
                "metrics.serviceMonitor.enabled",
                true,
                "metrics.serviceMonitor.labels.release",
                "prom"));
    JsonNode monitor = monitored.one("ServiceMonitor");
    assertThat(monitor.path("apiVersion").asText()).isEqualTo("monitoring.coreos.com/v1");
    assertThat(monitor.path("metadata").path("labels").path("release").asText()).isEqualTo("prom");
    assertThat(RenderedChart.strings(monitored.one("Service").path("metadata").path("labels")))
        .containsAllEntriesOf(
            RenderedChart.strings(monitor.path("spec").path("selector").path("matchLabels")));
    JsonNode endpoint = monitor.path("spec").path("endpoints").get(0);
    assertThat(endpoint.path("port").asText()).isEqualTo(port.path("name").asText());
    assertThat(endpoint.path("path").asText()).isEqualTo("/metrics");
  }

  @Test
  void dashboardAlertsAndPodMonitorOnlyWhenAskedFor() {
    RenderedChart plain = defaults();
    assertThat(plain.ofKind("ConfigMap")).isEmpty();
    assertThat(plain.ofKind("PrometheusRule")).isEmpty();
    assertThat(plain.ofKind("PodMonitor")).isEmpty();

    ChartMonitoring on = ChartMonitoring.allOn();
    JsonNode dashboard = on.chart().one("ConfigMap");
    assertThat(dashboard.path("metadata").path("labels").path("grafana_dashboard").asText())
        .isEqualTo("1");
    assertThat(on.dashboard().path("uid").asText()).isEqualTo("qemu-operator");
    assertThat(on.expressions()).isNotEmpty();
    JsonNode rule = on.chart().one("PrometheusRule");
    assertThat(rule.path("apiVersion").asText()).isEqualTo("monitoring.coreos.com/v1");
    assertThat(rule.path("spec").path("groups").get(0).path("rules"))
        .extracting(r -> r.path("alert").asText() + " for " + r.path("for").asText())
        .containsExactly(
            "QemuVMNotReady for 10m",
            "QemuVMSidecarDisconnected for 2m",
            "QemuVMQemuUnresponsive for 2m",
            "QemuVMQmpErrorsRising for 10m",
            "QemuOperatorActionsFailing for 10m");
  }

  @Test
  void theDashboardsLabelNamespaceAndAnnotationsAreConfigurable() {
    JsonNode dashboard =
        RenderedChart.render(
                Map.of(
                    "metrics.grafanaDashboard.enabled", true,
                    "metrics.grafanaDashboard.label", "grafana.io/dashboard",
                    "metrics.grafanaDashboard.labelValue", "qemu",
                    "metrics.grafanaDashboard.namespace", "monitoring",
                    "metrics.grafanaDashboard.annotations.grafana_folder", "VMs"))
            .one("ConfigMap");
    assertThat(dashboard.path("metadata").path("labels").path("grafana.io/dashboard").asText())
        .isEqualTo("qemu");
    assertThat(dashboard.path("metadata").path("labels").has("grafana_dashboard")).isFalse();
    assertThat(namespace(dashboard)).isEqualTo("monitoring");
    assertThat(dashboard.path("metadata").path("annotations").path("grafana_folder").asText())
        .isEqualTo("VMs");
  }

  @Test
  void thePodMonitorScrapesTheSidecarPortOfVmPodsWhereTheNetworkPolicyAdmitsPrometheus() {
    var vmPod = new VmPod(OperatorConfig.defaults()).desired(vm("web-1"));
    var sidecarPort =
        vmPod.getSpec().getContainers().stream()
            .filter(c -> VmResources.SIDECAR_CONTAINER.equals(c.getName()))
            .findFirst()
            .orElseThrow()
            .getPorts()
            .get(0);
    RenderedChart chart =
        RenderedChart.render(
            Map.of(
                "metrics.podMonitor.enabled",
                true,
                "networkPolicy.metricsFrom[0].namespaceSelector.matchLabels.team",
                "monitoring"));
    JsonNode monitor = chart.one("PodMonitor").path("spec");
    assertThat(vmPod.getMetadata().getLabels())
        .containsAllEntriesOf(RenderedChart.strings(monitor.path("selector").path("matchLabels")));
    assertThat(monitor.path("namespaceSelector").path("any").asBoolean()).isTrue();
    JsonNode endpoint = monitor.path("podMetricsEndpoints").get(0);
    assertThat(endpoint.path("port").asText()).isEqualTo(sidecarPort.getName());
    assertThat(endpoint.path("path").asText()).isEqualTo("/metrics");

    JsonNode ingress = chart.one("NetworkPolicy").path("spec").path("ingress");
    assertThat(ingress).hasSize(3);
    assertThat(ingress.get(2).path("from").get(0).path("namespaceSelector").toString())
        .isEqualTo("{\"matchLabels\":{\"team\":\"monitoring\"}}");
    assertThat(ingress.get(2).path("ports").get(0).path("port").asInt())
        .isEqualTo(sidecarPort.getContainerPort());

    JsonNode watched =
        RenderedChart.renderValuesFile(
                "watchNamespaces: [vms-a, vms-b]\nmetrics:\n  podMonitor:\n    enabled: true\n")
            .one("PodMonitor");
    assertThat(watched.path("spec").path("namespaceSelector").path("matchNames"))
        .extracting(JsonNode::asText)
        .containsExactly("vms-a", "vms-b");
  }

  @Test
  void aggregateRolesExtendViewAndEditOnQemuVMsAndTheirMigrationsOnly() {
    RenderedChart chart = defaults();

    JsonNode view = chart.named("ClusterRole", FULLNAME + "-view");
    assertThat(
            view.path("metadata")
                .path("labels")
                .path("rbac.authorization.k8s.io/aggregate-to-view")
                .asText())
        .isEqualTo("true");
    assertThat(calls(view))
        .allSatisfy(
            c -> {
              assertThat(c.group()).isEqualTo("qemu-operator.io");
              assertThat(c.verb()).isIn("get", "list", "watch");
            })
        .contains(call("qemu-operator.io", "qemuvms", "list"));

    JsonNode edit = chart.named("ClusterRole", FULLNAME + "-edit");
    assertThat(
            edit.path("metadata")
                .path("labels")
                .path("rbac.authorization.k8s.io/aggregate-to-edit")
                .asText())
        .isEqualTo("true");
    assertThat(calls(edit))
        .allSatisfy(c -> assertThat(c.resource()).isIn("qemuvms", "qemuvmmigrations"))
        .contains(
            call("qemu-operator.io", "qemuvms", "create"),
            call("qemu-operator.io", "qemuvms", "delete"),
            call("qemu-operator.io", "qemuvmmigrations", "create"),
            call("qemu-operator.io", "qemuvmmigrations", "delete"));
  }

  @Test
  void valuesSchemaRefusesUnknownKeysAndOutOfRangeValuesNamingThem() {
    assertThatThrownBy(() -> RenderedChart.render(Map.of("replica", 2)))
        .hasMessageContaining("replica");
    assertThatThrownBy(() -> RenderedChart.render(Map.of("metrics.serviceMonitor.enable", true)))
        .hasMessageContaining("enable")
        .hasMessageContaining("serviceMonitor");
    assertThatThrownBy(() -> RenderedChart.render(Map.of("replicas", -1)))
        .hasMessageContaining("replicas");
    assertThatThrownBy(() -> RenderedChart.render(Map.of("image.operator.pullPolicy", "Sometimes")))
        .hasMessageContaining("pullPolicy");
    assertThatThrownBy(() -> RenderedChart.render(Map.of("vm.sidecarPort", 70000)))
        .hasMessageContaining("sidecarPort");
    assertThatThrownBy(() -> RenderedChart.render(Map.of("metrics.grafanaDashboard.enable", true)))
        .hasMessageContaining("enable")
        .hasMessageContaining("grafanaDashboard");
    assertThatThrownBy(
            () -> RenderedChart.render(Map.of("metrics.prometheusRule.vmNotReadyFor", "10 min")))
        .hasMessageContaining("vmNotReadyFor");
    assertThatThrownBy(
            () -> RenderedChart.render(Map.of("networkPolicy.metricsFrom[0].podSelektor.a", "b")))
        .hasMessageContaining("podSelektor");
  }

  // --- helpers

  /** The operator's environment as the kubelet would give it (downward API resolved). */
  private static Map<String, String> podEnv(Map<String, String> rendered) {
    var env = new HashMap<>(rendered);
    env.replaceAll(
        (name, value) ->
            "fieldRef:metadata.namespace".equals(value) ? RenderedChart.NAMESPACE : value);
    return env;
  }

  private static Map<String, String> operatorPodLabels(RenderedChart chart) {
    return RenderedChart.strings(
        chart.one("Deployment").path("spec").path("template").path("metadata").path("labels"));
  }

  private static void assertBoundToOperator(RenderedChart chart, JsonNode binding) {
    JsonNode subjects = binding.path("subjects");
    assertThat(subjects).hasSize(1);
    JsonNode subject = subjects.get(0);
    assertThat(subject.path("kind").asText()).isEqualTo("ServiceAccount");
    assertThat(subject.path("name").asText())
        .isEqualTo(
            chart
                .one("Deployment")
                .path("spec")
                .path("template")
                .path("spec")
                .path("serviceAccountName")
                .asText());
    assertThat(subject.path("namespace").asText()).isEqualTo(RenderedChart.NAMESPACE);
  }

  private static Set<ApiCall> calls(JsonNode role) {
    for (JsonNode rule : role.path("rules")) {
      assertThat(rule.has("resourceNames")).as("resourceNames in %s", name(role)).isFalse();
    }
    return ApiCall.grantedBy(role);
  }

  private static String kind(JsonNode manifest) {
    return manifest.path("kind").asText();
  }

  private static String name(JsonNode manifest) {
    return manifest.path("metadata").path("name").asText();
  }

  private static String namespace(JsonNode manifest) {
    return manifest.path("metadata").path("namespace").asText();
  }

  private static QemuVM vm(String name) {
    var vm = new QemuVM();
    vm.setMetadata(
        new ObjectMetaBuilder().withName(name).withNamespace("vms").withUid("u-1").build());
    var spec = new QemuVMSpec();
    spec.setCpus(1);
    spec.setMemory(new Quantity("256Mi"));
    vm.setSpec(spec);
    return vm;
  }
}
