package io.qemuoperator.chart;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.e2e.RealApiServer;
import io.qemuoperator.local.LocalCluster;
import io.qemuoperator.testing.RepoFiles;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The chart's life with the real Helm 4 (the Helm users run today) on the real API server (v1.20.2,
 * no kubelet: the operator's Deployment is stored and stays unscheduled): lint and the values
 * schema; the chart refused below its kubeVersion; the build's variant for old clusters installed,
 * upgraded to a new operator image and uninstalled, each checked against what the server holds.
 *
 * <p>The QemuVM CRD is cluster-wide and the other classes install it themselves: this class removes
 * it first (so Helm's own CRD step is what is tested) and last (Helm never deletes it).
 */
@ExtendWith(RealApiServer.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class Helm4OnRealApiServerE2E {
  private static final String RELEASE = "helm4";
  private static final String NAMESPACE = "helm4-system";
  private static final String FULLNAME = RELEASE + "-qemu-operator";
  private static final Path CHART = RepoFiles.file("helm/qemu-operator");
  private static final Path OLD_CLUSTER_CHART =
      RepoFiles.file("helm/target/kube-1.20/qemu-operator");

  private static RealApiServer server;
  private static Helm4 helm;

  /** The objects of the installed release (from {@code helm get manifest}), set by install. */
  private static List<JsonNode> installed = List.of();

  @BeforeAll
  static void start(RealApiServer realApiServer) {
    server = realApiServer;
    helm = Helm4.forCluster(RepoFiles.root(), server.kubeconfig());
    assertThat(helm.run("version", "--template", "{{.Version}}").stdout()).startsWith(Helm4.MAJOR);
    removeCrd();
  }

  @AfterAll
  static void cleanUp() {
    if (helm == null) {
      return;
    }
    helm.run("uninstall", RELEASE, "-n", NAMESPACE);
    server.client().namespaces().withName(NAMESPACE).delete();
    removeCrd();
  }

  @Test
  @Order(1)
  void lintPassesAndTheValuesSchemaRefusesANegativeReplicaCountAndAMisspeltKey() {
    for (Path chart : List.of(CHART, OLD_CLUSTER_CHART)) {
      Helm4.Result lint = helm.run("lint", chart.toString());
      assertThat(lint.ok()).as(lint.output()).isTrue();
      assertThat(lint.stdout()).contains("1 chart(s) linted, 0 chart(s) failed");
    }

    Helm4.Result negative = helm.run("lint", CHART.toString(), "--set", "replicas=-1");
    assertThat(negative.ok()).isFalse();
    assertThat(negative.output()).contains("at '/replicas': minimum: got -1, want 0");

    Helm4.Result misspelt = helm.run("lint", CHART.toString(), "--set", "replica=2");
    assertThat(misspelt.ok()).isFalse();
    assertThat(misspelt.output()).contains("additional properties 'replica' not allowed");

    Helm4.Result nested =
        helm.run("lint", CHART.toString(), "--set", "metrics.serviceMonitor.enable=true");
    assertThat(nested.ok()).isFalse();
    assertThat(nested.output())
        .contains("at '/metrics/serviceMonitor': additional properties 'enable' not allowed");
  }

  /**
   * Helm installs {@code crds/} before it checks kubeVersion: on v1.20 its server-side apply of the
   * CRD is what fails first (the server does not know {@code x-kubernetes-validations}); without
   * the CRD step, kubeVersion refuses the chart. Nothing is left behind either way.
   */
  @Test
  @Order(2)
  void theChartIsRefusedOnV120ByItsCrdAndByItsKubeVersion() {
    Helm4.Result plain =
        helm.run("install", RELEASE, CHART.toString(), "-n", NAMESPACE, "--create-namespace");
    assertThat(plain.ok()).isFalse();
    assertThat(plain.stderr())
        .containsPattern("failed to install CRD crds/qemuvm(migration)?s.qemu-operator.io-v1.yml")
        .contains(
            ".spec.versions[0].schema.openAPIV3Schema.properties.spec.x-kubernetes-validations:"
                + " field not declared in schema");
    assertThat(crd()).isNull();

    Helm4.Result skipCrds =
        helm.run(
            "install",
            RELEASE,
            CHART.toString(),
            "-n",
            NAMESPACE,
            "--create-namespace",
            "--skip-crds");
    assertThat(skipCrds.ok()).isFalse();
    assertThat(skipCrds.stderr())
        .contains(
            "chart requires kubeVersion: >=1.29.0-0 which is incompatible with Kubernetes"
                + " v1.20.2");
    assertThat(helm.run("list", "-n", NAMESPACE, "-q").stdout()).isBlank();
    assertThat(server.client().apps().deployments().inNamespace(NAMESPACE).withName(FULLNAME).get())
        .isNull();
  }

  @Test
  @Order(3)
  void theOldClusterVariantInstallsItsCrdRbacDeploymentAndNetworkPolicy() {
    Helm4.Result install =
        helm.run(
            "install",
            RELEASE,
            OLD_CLUSTER_CHART.toString(),
            "-n",
            NAMESPACE,
            "--create-namespace");
    assertThat(install.ok()).as(install.output()).isTrue();

    CustomResourceDefinition crd =
        crdResource()
            .waitUntilCondition(
                c -> c != null && LocalCluster.established(c),
                1,
                java.util.concurrent.TimeUnit.MINUTES);
    assertThat(crd.getSpec().getNames().getShortNames()).containsExactly("qvm");

    installed = manifest();
    assertThat(kindsAndNames(installed))
        .containsOnlyKeys(
            "ServiceAccount/" + FULLNAME,
            "ClusterRole/" + FULLNAME,
            "ClusterRole/" + FULLNAME + "-view",
            "ClusterRole/" + FULLNAME + "-edit",
            "ClusterRoleBinding/" + FULLNAME,
            "Service/" + FULLNAME + "-metrics",
            "Deployment/" + FULLNAME,
            "NetworkPolicy/" + FULLNAME + "-vm-sidecar");
    for (JsonNode object : installed) {
      assertThat(live(object)).as("%s on the server", id(object)).isNotNull();
    }
    GenericKubernetesResource policy = live(one(installed, "NetworkPolicy"));
    assertThat(policy.getMetadata().getNamespace()).isEqualTo(NAMESPACE);

    // What differs on v1.20: namespaces get the label kubernetes.io/metadata.name only from 1.21,
    // so the policy's namespaceSelector (the operator's namespace by that label) matches nothing
    // until the release namespace is labelled (README: the variant for old clusters).
    assertThat(
            server
                .client()
                .namespaces()
                .withLabel("kubernetes.io/metadata.name", NAMESPACE)
                .list()
                .getItems())
        .isEmpty();
  }

  @Test
  @Order(4)
  void upgradeToANewOperatorImageChangesOnlyTheDeploymentsImage() {
    assertThat(installed).as("installed by the previous test").isNotEmpty();
    awaitServiceAccountToken();
    Map<String, JsonNode> before = liveSpecs(installed);
    long generation =
        server
            .client()
            .apps()
            .deployments()
            .inNamespace(NAMESPACE)
            .withName(FULLNAME)
            .get()
            .getMetadata()
            .getGeneration();

    Helm4.Result upgrade =
        helm.run(
            "upgrade",
            RELEASE,
            OLD_CLUSTER_CHART.toString(),
            "-n",
            NAMESPACE,
            "--reuse-values",
            "--set",
            "image.operator.tag=0.1.1-next");
    assertThat(upgrade.ok()).as(upgrade.output()).isTrue();

    List<JsonNode> upgraded = manifest();
    assertThat(kindsAndNames(upgraded).keySet()).isEqualTo(kindsAndNames(installed).keySet());
    Map<String, JsonNode> after = liveSpecs(upgraded);
    Set<String> changed =
        before.keySet().stream()
            .filter(id -> !before.get(id).equals(after.get(id)))
            .collect(Collectors.toSet());
    assertThat(changed).containsExactly("Deployment/" + FULLNAME);
    var deployment =
        server.client().apps().deployments().inNamespace(NAMESPACE).withName(FULLNAME).get();
    assertThat(deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
        .isEqualTo("ghcr.io/qemu-operator/qemu-operator:0.1.1-next");
    assertThat(deployment.getMetadata().getGeneration()).isEqualTo(generation + 1);
    // The image is the Deployment's only change: with it put back, the specs are equal again.
    ObjectNode reverted = (ObjectNode) after.get("Deployment/" + FULLNAME).deepCopy();
    ((ObjectNode) reverted.path("spec").path("template").path("spec").path("containers").get(0))
        .put(
            "image",
            before
                .get("Deployment/" + FULLNAME)
                .path("spec")
                .path("template")
                .path("spec")
                .path("containers")
                .get(0)
                .path("image")
                .asText());
    assertThat(reverted).isEqualTo(before.get("Deployment/" + FULLNAME));
    assertThat(helm.run("history", RELEASE, "-n", NAMESPACE, "-o", "json").stdout())
        .contains("\"revision\":2");
  }

  @Test
  @Order(5)
  void uninstallRemovesEverythingItInstalledButNeverTheCrd() {
    assertThat(installed).as("installed by an earlier test").isNotEmpty();
    Helm4.Result uninstall = helm.run("uninstall", RELEASE, "-n", NAMESPACE, "--wait");
    assertThat(uninstall.ok()).as(uninstall.output()).isTrue();

    for (JsonNode object : installed) {
      Awaitility.await(id(object) + " deleted")
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(250))
          .until(() -> live(object) == null);
    }
    assertThat(helm.run("list", "-n", NAMESPACE, "-q").stdout()).isBlank();
    assertThat(
            server
                .client()
                .secrets()
                .inNamespace(NAMESPACE)
                .withLabel("owner", "helm")
                .list()
                .getItems())
        .as("Helm's release records")
        .isEmpty();
    // --create-namespace made the namespace, but it is no part of the release: it stays.
    assertThat(server.client().namespaces().withName(NAMESPACE).get()).isNotNull();
    // Helm never deletes what crds/ installed: the CRD, and with it every QemuVM, stays.
    assertThat(crd()).isNotNull();
    assertThat(LocalCluster.established(crd())).isTrue();
  }

  // --- helpers

  private static List<JsonNode> manifest() {
    Helm4.Result manifest = helm.run("get", "manifest", RELEASE, "-n", NAMESPACE);
    assertThat(manifest.ok()).as(manifest.output()).isTrue();
    return RenderedChart.parse(manifest.stdout()).manifests();
  }

  private static Map<String, JsonNode> kindsAndNames(List<JsonNode> objects) {
    var byId = new LinkedHashMap<String, JsonNode>();
    objects.forEach(o -> byId.put(id(o), o));
    return byId;
  }

  private static String id(JsonNode object) {
    return object.path("kind").asText() + "/" + object.path("metadata").path("name").asText();
  }

  private static JsonNode one(List<JsonNode> objects, String kind) {
    return objects.stream()
        .filter(o -> kind.equals(o.path("kind").asText()))
        .findFirst()
        .orElseThrow();
  }

  private static GenericKubernetesResource live(JsonNode object) {
    KubernetesClient client = server.client();
    var resources =
        client.genericKubernetesResources(
            object.path("apiVersion").asText(), object.path("kind").asText());
    String name = object.path("metadata").path("name").asText();
    String namespace = object.path("metadata").path("namespace").asText("");
    return namespace.isEmpty()
        ? resources.withName(name).get()
        : resources.inNamespace(namespace).withName(name).get();
  }

  /**
   * Each object as the server holds it, without what the server and its controllers write (metadata
   * other than labels and annotations; status).
   */
  private static Map<String, JsonNode> liveSpecs(List<JsonNode> objects) {
    var specs = new LinkedHashMap<String, JsonNode>();
    for (JsonNode object : objects) {
      ObjectNode json =
          server.client().getKubernetesSerialization().convertValue(live(object), ObjectNode.class);
      JsonNode metadata = json.path("metadata");
      ObjectNode kept = json.objectNode();
      kept.set("labels", metadata.path("labels"));
      kept.set("annotations", metadata.path("annotations"));
      json.set("metadata", kept);
      json.remove("status");
      specs.put(id(object), json);
    }
    return specs;
  }

  /** v1.20's token controller adds a Secret to the ServiceAccount once, after it is created. */
  private static void awaitServiceAccountToken() {
    Awaitility.await("the ServiceAccount's token Secret")
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(250))
        .until(
            () -> {
              var account =
                  server.client().serviceAccounts().inNamespace(NAMESPACE).withName(FULLNAME).get();
              return account != null && !account.getSecrets().isEmpty();
            });
  }

  private static CustomResourceDefinition crd() {
    return crdResource().get();
  }

  private static io.fabric8.kubernetes.client.dsl.Resource<CustomResourceDefinition> crdResource() {
    return server
        .client()
        .apiextensions()
        .v1()
        .customResourceDefinitions()
        .withName(RealApiServer.CRD_NAME);
  }

  /** Deletes the CRDs (QemuVMMigration, QemuVM) and waits until they are gone. */
  private static void removeCrd() {
    removeCrd(
        io.qemuoperator.api.v1alpha1.QemuVMMigration.class,
        io.qemuoperator.api.v1alpha1.QemuVMApi.MIGRATION_CRD_NAME);
    removeCrd(QemuVM.class, RealApiServer.CRD_NAME);
  }

  /**
   * Deletes one CRD, first releasing the finalizers of the objects earlier classes left (no
   * operator runs between classes), and waits until it is gone.
   */
  private static void removeCrd(
      Class<? extends io.fabric8.kubernetes.api.model.HasMetadata> type, String name) {
    var crd = server.client().apiextensions().v1().customResourceDefinitions().withName(name);
    if (crd.get() == null) {
      return;
    }
    server.releaseFinalizers(type, null);
    crd.delete();
    Awaitility.await("the CRD " + name + " deleted")
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(250))
        .until(() -> crd.get() == null);
  }
}
