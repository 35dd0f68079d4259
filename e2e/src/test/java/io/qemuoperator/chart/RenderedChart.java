package io.qemuoperator.chart;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import io.qemuoperator.testing.RepoFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The chart rendered by helm-java's embedded Helm ({@code helm template}) with some values, as the
 * list of manifests it produced.
 */
record RenderedChart(List<JsonNode> manifests) {
  static final String RELEASE = "qemu-operator";
  static final String NAMESPACE = "qemu-system";

  /** The cluster version rendered for (helm-java's default, 1.20, is below the chart's minimum). */
  static final String KUBE_VERSION = "v1.29.0";

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  static Path chart() {
    return RepoFiles.file("helm/qemu-operator");
  }

  static RenderedChart render(Map<String, Object> values) {
    return render(values, template());
  }

  /** Rendered with a values file holding {@code valuesYaml} (as {@code helm template -f}). */
  static RenderedChart renderValuesFile(String valuesYaml) {
    try {
      Path file = Files.createTempFile("values-", ".yaml");
      try {
        Files.writeString(file, valuesYaml);
        return render(Map.of(), template().withValuesFile(file));
      } finally {
        Files.delete(file);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static TemplateCommand template() {
    return new Helm(chart())
        .template()
        .withName(RELEASE)
        .withNamespace(NAMESPACE)
        .withKubeVersion(KUBE_VERSION);
  }

  private static RenderedChart render(Map<String, Object> values, TemplateCommand template) {
    for (var value : values.entrySet()) {
      template = template.set(value.getKey(), value.getValue());
    }
    return parse(template.call());
  }

  static RenderedChart parse(String yaml) {
    var manifests = new ArrayList<JsonNode>();
    try (var parser = YAML.getFactory().createParser(yaml)) {
      var it = YAML.readValues(parser, JsonNode.class);
      while (it.hasNext()) {
        JsonNode doc = it.next();
        if (doc != null && !doc.isNull() && !doc.isMissingNode() && doc.has("kind")) {
          manifests.add(doc);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new RenderedChart(List.copyOf(manifests));
  }

  List<JsonNode> ofKind(String kind) {
    return manifests.stream().filter(m -> kind.equals(m.path("kind").asText())).toList();
  }

  List<JsonNode> where(Predicate<JsonNode> test) {
    return manifests.stream().filter(test).toList();
  }

  JsonNode one(String kind) {
    List<JsonNode> found = ofKind(kind);
    if (found.size() != 1) {
      throw new AssertionError("expected one " + kind + ", found " + found.size());
    }
    return found.get(0);
  }

  JsonNode named(String kind, String name) {
    return ofKind(kind).stream()
        .filter(m -> name.equals(m.path("metadata").path("name").asText()))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + kind + " named " + name));
  }

  /** The operator container of the Deployment. */
  JsonNode operatorContainer() {
    return one("Deployment").path("spec").path("template").path("spec").path("containers").get(0);
  }

  /** The operator container's env as name → value (valueFrom entries as their field path). */
  Map<String, String> operatorEnv() {
    var env = new java.util.LinkedHashMap<String, String>();
    for (JsonNode e : operatorContainer().path("env")) {
      env.put(
          e.path("name").asText(),
          e.has("value")
              ? e.path("value").asText()
              : "fieldRef:" + e.path("valueFrom").path("fieldRef").path("fieldPath").asText());
    }
    return env;
  }

  static Map<String, String> strings(JsonNode object) {
    var map = new java.util.LinkedHashMap<String, String>();
    object.properties().forEach(p -> map.put(p.getKey(), p.getValue().asText()));
    return map;
  }
}
