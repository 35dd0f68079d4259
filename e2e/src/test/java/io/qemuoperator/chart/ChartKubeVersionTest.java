package io.qemuoperator.chart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.marcnuri.helm.Helm;
import io.qemuoperator.helm.OldClusterChart;
import io.qemuoperator.testing.RepoFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The chart's {@code kubeVersion} is the oldest Kubernetes that accepts its CRD and enforces every
 * rule in it, derived from what the CRD uses; and the build's variant for older clusters is the
 * same chart with the CRD's CEL rules taken out.
 */
class ChartKubeVersionTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Path CHART = RepoFiles.file("helm/qemu-operator");
  private static final Path CRD = RepoFiles.file("crds/qemuvms.qemu-operator.io-v1.yml");
  private static final Path OLD_CLUSTER_CHART =
      RepoFiles.file("helm/target/kube-1.20/qemu-operator");

  /**
   * What a CRD can use that an older API server refuses or ignores, and the Kubernetes minor
   * version from which it is accepted and enforced by default (sources: KEP-2876 "CRD Validation
   * Expression Language", kubernetes/enhancements#2876: alpha 1.23 behind the
   * CustomResourceValidationExpressions gate, beta and on by default 1.25, GA 1.29; {@code reason}
   * and {@code fieldPath} added in 1.28, kubernetes#118041; the table "CEL options, language
   * features, and libraries" of Kubernetes' "Common Expression Language in Kubernetes": the
   * quantity library and optional types from 1.29).
   */
  enum CrdFeature {
    CEL_RULES(25),
    RULE_REASON_AND_FIELD_PATH(28),
    CEL_QUANTITY_LIBRARY(29),
    CEL_OPTIONAL_TYPES(29);

    final int minor;

    CrdFeature(int minor) {
      this.minor = minor;
    }
  }

  /** The keys of one x-kubernetes-validations rule this test knows the version of. */
  private static final Set<String> KNOWN_RULE_KEYS =
      Set.of("rule", "message", "reason", "fieldPath");

  @Test
  void kubeVersionIsTheOldestKubernetesThatEnforcesEveryFeatureTheCrdUses() throws IOException {
    Set<CrdFeature> used = featuresOf(YAML.readTree(Files.readString(CRD)));
    int minimum = used.stream().mapToInt(f -> f.minor).max().orElse(16);

    assertThat(used).contains(CrdFeature.CEL_RULES, CrdFeature.CEL_QUANTITY_LIBRARY);
    assertThat(kubeVersion(CHART)).isEqualTo(">=1." + minimum + ".0-0");
  }

  @Test
  void aRuleKeyOfUnknownVersionFailsTheDerivation() throws IOException {
    JsonNode crd =
        YAML.readTree(
            "spec: {x-kubernetes-validations: [{rule: 'true', messageExpression: '\"m\"'}]}");
    assertThatThrownBy(() -> featuresOf(crd)).hasMessageContaining("messageExpression");
  }

  @Test
  void theOldClusterVariantIsTheChartWithoutTheCrdsCelRules() throws IOException {
    JsonNode crd = YAML.readTree(Files.readString(CRD));
    JsonNode variantCrd =
        YAML.readTree(
            Files.readString(OLD_CLUSTER_CHART.resolve("crds").resolve(CRD.getFileName())));
    assertThat(featuresOf(variantCrd)).isEmpty();
    JsonNode stripped = crd.deepCopy();
    strip(stripped);
    assertThat(variantCrd).isEqualTo(stripped);

    for (Path file : chartFiles(CHART)) {
      String relative = CHART.relativize(file).toString();
      if (!relative.startsWith("crds/") && !relative.equals("Chart.yaml")) {
        assertThat(OLD_CLUSTER_CHART.resolve(relative)).as(relative).hasSameBinaryContentAs(file);
      }
    }
    assertThat(chartFiles(OLD_CLUSTER_CHART)).hasSameSizeAs(chartFiles(CHART));
    assertThat(kubeVersion(OLD_CLUSTER_CHART))
        .isEqualTo(">=" + OldClusterChart.OLDEST + " <" + kubeVersion(CHART).substring(2));
  }

  @Test
  void onV120OnlyTheVariantRendersAndOnTheChartsMinimumOnlyTheChart() {
    assertThatThrownBy(() -> template(CHART, "v1.20.2"))
        .hasMessageContaining("chart requires kubeVersion: >=1.29.0-0")
        .hasMessageContaining("v1.20.2");
    assertThat(template(OLD_CLUSTER_CHART, "v1.20.2")).contains("kind: Deployment");
    assertThat(template(OLD_CLUSTER_CHART, "v1.28.9")).contains("kind: Deployment");

    assertThat(template(CHART, "v1.29.0")).contains("kind: Deployment");
    assertThatThrownBy(() -> template(OLD_CLUSTER_CHART, "v1.29.0"))
        .hasMessageContaining("chart requires kubeVersion: >=1.20.0-0 <1.29.0-0");
  }

  // --- helpers

  /**
   * Every feature of {@link CrdFeature} that {@code crd} uses; fails on a rule key it can't date.
   */
  static Set<CrdFeature> featuresOf(JsonNode crd) {
    var used = EnumSet.noneOf(CrdFeature.class);
    walk(
        crd,
        node -> {
          JsonNode rules = node.get(OldClusterChart.CEL_RULES);
          if (rules == null) {
            return;
          }
          used.add(CrdFeature.CEL_RULES);
          for (JsonNode rule : rules) {
            rule.fieldNames()
                .forEachRemaining(
                    key -> {
                      if (!KNOWN_RULE_KEYS.contains(key)) {
                        throw new AssertionError(
                            "the CRD uses the rule key "
                                + key
                                + ": add the Kubernetes version that accepts it to CrdFeature");
                      }
                    });
            if (rule.has("reason") || rule.has("fieldPath")) {
              used.add(CrdFeature.RULE_REASON_AND_FIELD_PATH);
            }
            String text = rule.path("rule").asText();
            if (text.matches("(?s).*\\b(isQuantity|quantity)\\(.*")) {
              used.add(CrdFeature.CEL_QUANTITY_LIBRARY);
            }
            if (text.contains("?.") || text.contains("?[") || text.contains("optional.")) {
              used.add(CrdFeature.CEL_OPTIONAL_TYPES);
            }
          }
        });
    return used;
  }

  private static void walk(JsonNode node, Consumer<JsonNode> visit) {
    if (node.isObject()) {
      visit.accept(node);
    }
    node.elements().forEachRemaining(child -> walk(child, visit));
  }

  private static void strip(JsonNode node) {
    if (node instanceof ObjectNode object) {
      object.remove(OldClusterChart.CEL_RULES);
    }
    if (node instanceof ObjectNode || node instanceof ArrayNode) {
      node.elements().forEachRemaining(ChartKubeVersionTest::strip);
    }
  }

  private static String kubeVersion(Path chart) throws IOException {
    return YAML.readTree(Files.readString(chart.resolve("Chart.yaml")))
        .path("kubeVersion")
        .asText();
  }

  private static String template(Path chart, String kubeVersion) {
    return new Helm(chart)
        .template()
        .withName("qemu-operator")
        .withNamespace("qemu-system")
        .withKubeVersion(kubeVersion)
        .call();
  }

  private static List<Path> chartFiles(Path chart) throws IOException {
    try (Stream<Path> files = Files.walk(chart)) {
      return new ArrayList<>(files.filter(Files::isRegularFile).sorted().toList());
    }
  }
}
