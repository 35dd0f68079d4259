package io.qemuoperator.local;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.api.v1alpha1.QemuVMApi;
import io.qemuoperator.api.v1alpha1.spec.QemuVMSpec;
import io.qemuoperator.operator.validation.QemuVMSpecValidator;
import io.qemuoperator.operator.validation.Violation;
import java.io.IOException;
import java.io.Serial;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * QemuVM manifests from YAML files (one or many documents each, or every {@code .yaml}/{@code .yml}
 * of a folder), checked with the operator's {@link QemuVMSpecValidator} before they are applied:
 * the mock API server does not validate against the CRD.
 */
public final class Manifests {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final QemuVMSpecValidator VALIDATOR = new QemuVMSpecValidator();
  private static final JsonMapper JSON = new JsonMapper();
  private static final ObjectReader LENIENT =
      JSON.readerFor(QemuVM.class).without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  /** One QemuVM read from {@code source} (a file, and the document's index in it). */
  public record Manifest(String source, QemuVM vm) {
    public String name() {
      return vm.getMetadata() == null ? null : vm.getMetadata().getName();
    }
  }

  /** A problem with one manifest: where, and each broken rule. */
  public record Problem(String source, String name, List<Violation> violations) {
    @Override
    public String toString() {
      var text = new StringBuilder(source + (name == null ? "" : " (QemuVM " + name + ")") + ":");
      violations.forEach(
          v -> text.append("\n  ").append(v.field()).append(": ").append(v.message()));
      return text.toString();
    }
  }

  /** Thrown when a manifest cannot be applied; {@link #getMessage()} lists every problem. */
  public static final class InvalidManifestException extends RuntimeException {
    @Serial private static final long serialVersionUID = 1L;

    private final transient List<Problem> problems;

    public InvalidManifestException(List<Problem> problems) {
      super(
          String.join(
              "\n", problems.stream().map(Problem::toString).toList().toArray(String[]::new)));
      this.problems = List.copyOf(problems);
    }

    public List<Problem> problems() {
      return problems;
    }
  }

  private Manifests() {}

  /** Every YAML file of {@code path} (a file, or a folder's {@code *.yaml} and {@code *.yml}). */
  public static List<Path> files(Path path) throws IOException {
    if (!Files.isDirectory(path)) {
      if (!Files.isRegularFile(path)) {
        throw new IOException("no such file or folder: " + path);
      }
      return List.of(path);
    }
    try (Stream<Path> entries = Files.list(path)) {
      return entries
          .filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
          .sorted()
          .toList();
    }
  }

  /**
   * Reads and validates every manifest under {@code path}.
   *
   * @throws InvalidManifestException when any document is not a valid QemuVM
   */
  public static List<Manifest> load(Path path) throws IOException {
    List<Manifest> manifests = new ArrayList<>();
    List<Problem> problems = new ArrayList<>();
    for (Path file : files(path)) {
      List<JsonNode> documents;
      try (var parser = YAML.createParser(file.toFile())) {
        documents = YAML.readValues(parser, JsonNode.class).readAll();
      } catch (IOException e) {
        problems.add(
            new Problem(
                file.toString(),
                null,
                List.of(new Violation("(yaml)", firstLine(e.getMessage())))));
        continue;
      }
      int index = 0;
      for (JsonNode document : documents) {
        String source = documents.size() == 1 ? file.toString() : file + "[" + index + "]";
        index++;
        if (document == null || document.isNull() || document.isMissingNode()) {
          continue; // an empty document (a trailing ---)
        }
        read(source, document, manifests, problems);
      }
    }
    if (!problems.isEmpty()) {
      throw new InvalidManifestException(problems);
    }
    return manifests;
  }

  private static void read(
      String source, JsonNode document, List<Manifest> manifests, List<Problem> problems) {
    String apiVersion = document.path("apiVersion").asText("");
    String kind = document.path("kind").asText("");
    String name = document.path("metadata").path("name").asText(null);
    if (!QemuVMApi.KIND.equals(kind) || !QemuVMApi.API_VERSION.equals(apiVersion)) {
      problems.add(
          new Problem(
              source,
              name,
              List.of(
                  new Violation(
                      "kind",
                      "only %s/%s is supported here, got %s/%s"
                          .formatted(QemuVMApi.API_VERSION, QemuVMApi.KIND, apiVersion, kind)))));
      return;
    }
    QemuVM vm;
    try {
      vm = LENIENT.readValue(document); // unknown fields: each reported below, by its path
    } catch (IOException | IllegalArgumentException e) {
      problems.add(
          new Problem(source, name, List.of(new Violation("(schema)", firstLine(e.getMessage())))));
      return;
    }
    List<Violation> violations = new ArrayList<>();
    if (name == null || name.isBlank()) {
      violations.add(new Violation("metadata.name", "is required"));
    }
    if (vm.getSpec() == null) {
      violations.add(new Violation("spec", "is required"));
    } else {
      unknownFields(document.path("spec"), JSON.valueToTree(vm.getSpec()), "spec", violations);
      violations.addAll(VALIDATOR.validate(vm.getSpec()));
    }
    if (violations.isEmpty()) {
      manifests.add(new Manifest(source, vm));
    } else {
      problems.add(new Problem(source, name, violations));
    }
  }

  /**
   * The fields of {@code given} that the API classes do not know: they are not in {@code known},
   * the same object read into the classes and written back. A structural CRD prunes them, so a typo
   * ({@code cpu: 2}) would be dropped without a word.
   */
  private static void unknownFields(
      JsonNode given, JsonNode known, String path, List<Violation> violations) {
    if (given.isObject()) {
      given
          .properties()
          .forEach(
              field -> {
                String at = path + "." + field.getKey();
                if (field.getValue().isNull()) {
                  return; // "x: null" is written back as nothing, known or not
                }
                if (!known.has(field.getKey())) {
                  violations.add(
                      new Violation(
                          at, "unknown field (the API server would drop it without a word)"));
                } else {
                  unknownFields(field.getValue(), known.get(field.getKey()), at, violations);
                }
              });
    } else if (given.isArray() && known.isArray()) {
      for (int i = 0; i < given.size() && i < known.size(); i++) {
        unknownFields(given.get(i), known.get(i), path + "[" + i + "]", violations);
      }
    }
  }

  /**
   * Creates or updates each QemuVM in {@code namespace} (unless the manifest names one), refusing
   * changes the CRD's transition rules forbid (a disk that shrinks).
   *
   * @return what was done, one line per manifest ({@code qemuvm/NAME created|configured|unchanged})
   */
  public static List<String> apply(
      KubernetesClient client, String namespace, List<Manifest> manifests) {
    List<Problem> problems = new ArrayList<>();
    for (Manifest manifest : manifests) {
      QemuVM existing = resource(client, namespace, manifest).get();
      if (existing != null) {
        List<Violation> violations =
            VALIDATOR.validateTransition(existing.getSpec(), manifest.vm().getSpec());
        if (!violations.isEmpty()) {
          problems.add(new Problem(manifest.source(), manifest.name(), violations));
        }
      }
    }
    if (!problems.isEmpty()) {
      throw new InvalidManifestException(problems);
    }
    List<String> done = new ArrayList<>();
    for (Manifest manifest : manifests) {
      var resource = resource(client, namespace, manifest);
      QemuVM existing = resource.get();
      String what = "qemuvm/" + manifest.name();
      if (existing == null) {
        QemuVM vm = Serialization.clone(manifest.vm());
        vm.getMetadata().setNamespace(namespaceOf(namespace, manifest));
        client.resource(vm).create();
        done.add(what + " created");
      } else if (existing.getSpec().equals(manifest.vm().getSpec())) {
        done.add(what + " unchanged");
      } else {
        editSpec(resource, manifest.vm().getSpec());
        done.add(what + " configured");
      }
    }
    return done;
  }

  /**
   * Edits a QemuVM's spec from its latest version; a conflict (the operator wrote the status in
   * between) is retried with the newer version, as {@code kubectl edit} asks a user to.
   */
  public static void editSpec(Resource<QemuVM> resource, Consumer<QemuVMSpec> change) {
    edit(
        resource,
        vm -> {
          change.accept(vm.getSpec());
          return vm;
        });
  }

  private static void editSpec(Resource<QemuVM> resource, QemuVMSpec spec) {
    edit(
        resource,
        vm -> {
          vm.setSpec(spec);
          return vm;
        });
  }

  private static void edit(Resource<QemuVM> resource, UnaryOperator<QemuVM> change) {
    for (int attempt = 1; ; attempt++) {
      try {
        resource.edit(change);
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt >= 10) {
          throw e;
        }
      }
    }
  }

  private static Resource<QemuVM> resource(
      KubernetesClient client, String namespace, Manifest manifest) {
    return client
        .resources(QemuVM.class)
        .inNamespace(namespaceOf(namespace, manifest))
        .withName(manifest.name());
  }

  /** A quantity in bytes, or -1 when it is not one. */
  public static long bytes(io.fabric8.kubernetes.api.model.Quantity quantity) {
    return QemuVMSpecValidator.bytes(quantity).map(b -> b.longValue()).orElse(-1L);
  }

  private static String namespaceOf(String namespace, Manifest manifest) {
    String own = manifest.vm().getMetadata().getNamespace();
    return own == null || own.isBlank() ? namespace : own;
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "unreadable";
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
