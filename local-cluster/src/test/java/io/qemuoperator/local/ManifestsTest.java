package io.qemuoperator.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.qemuoperator.api.v1alpha1.QemuVM;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The examples are valid; every invalid manifest under {@code src/test/resources/invalid} is
 * rejected with exactly the violations its {@code # expect:} lines name (field path and message).
 */
@EnableKubernetesMockClient(crud = true)
class ManifestsTest {
  static KubernetesClient client;

  static final Path EXAMPLES = Path.of("..", "examples");
  static final Path INVALID = Path.of("src", "test", "resources", "invalid");

  @Test
  void everyExampleIsAValidSmallQemuVm() throws IOException {
    List<Manifests.Manifest> manifests = Manifests.load(EXAMPLES);
    assertThat(manifests)
        .extracting(Manifests.Manifest::name)
        .containsExactlyInAnyOrder(
            "basic", "paused", "balloon-two-disks", "migration-tuning", "imported-image");
    for (Manifests.Manifest manifest : manifests) {
      var spec = manifest.vm().getSpec();
      assertThat(Manifests.bytes(spec.getMemory()))
          .as(manifest.name() + ": memory for a 2-core machine")
          .isBetween(128L << 20, 256L << 20);
      spec.getDisks()
          .forEach(
              disk ->
                  assertThat(Manifests.bytes(disk.getSize()))
                      .as(manifest.name() + ": disk " + disk.getName())
                      .isBetween(64L << 20, 256L << 20));
      assertThat(spec.getTerminationGracePeriodSeconds()).isLessThanOrEqualTo(10);
    }
  }

  /**
   * The Debian example is valid and stays out of {@code up -f examples/} (a folder's files only,
   * not its sub-folders): under TCG it needs longer than that command's default timeout.
   */
  @Test
  void theDebianExampleIsValidAndNotInTheDefaultSet() throws IOException {
    List<Manifests.Manifest> debian = Manifests.load(EXAMPLES.resolve("debian"));
    assertThat(debian).extracting(Manifests.Manifest::name).containsExactly("debian");
    var spec = debian.get(0).vm().getSpec();
    assertThat(spec.getGuestAgent()).isTrue();
    assertThat(spec.getPorts())
        .singleElement()
        .satisfies(p -> assertThat(p.getPort()).isEqualTo(22));
    assertThat(spec.getDisks().get(0).getSource().getUrl())
        .isEqualTo("http://127.0.0.1:8555/debian-12.qcow2");
    assertThat(Manifests.load(EXAMPLES))
        .extracting(Manifests.Manifest::name)
        .doesNotContain("debian");
  }

  static Stream<Path> invalidManifests() throws IOException {
    return Manifests.files(INVALID).stream();
  }

  @ParameterizedTest
  @MethodSource("invalidManifests")
  void anInvalidManifestIsRejectedWithItsViolations(Path file) throws IOException {
    List<String> expected = expectations(file);
    assertThat(expected).as("the # expect: lines of " + file).isNotEmpty();

    var rejected =
        catchThrowableOfType(Manifests.InvalidManifestException.class, () -> Manifests.load(file));

    assertThat(rejected).as(file + " is rejected").isNotNull();
    assertThat(rejected.problems()).singleElement();
    assertThat(rejected.problems().get(0).violations())
        .extracting(v -> v.field() + ": " + v.message())
        .containsExactlyElementsOf(expected);
    assertThat(rejected.getMessage()).startsWith(file.toString());
  }

  @Test
  void everyValidationRuleHasAnInvalidManifest() throws IOException {
    // the fields the validator checks, each covered by at least one file
    List<String> fields =
        invalidManifests().flatMap(f -> expectationsUnchecked(f).stream()).toList();
    for (String field :
        List.of(
            "spec.cpus:",
            "spec.memory:",
            "spec.balloon:",
            "spec.disks:",
            "spec.disks[0]:",
            "spec.disks[0].name:",
            "spec.disks[1].name: duplicate",
            "spec.disks[0].size: is required",
            "spec.disks[0].size: must be greater",
            "spec.disks[0].storageClassName:",
            "spec.migration.maxBandwidth:",
            "spec.migration.maxDowntime:",
            "spec.terminationGracePeriodSeconds:")) {
      assertThat(fields).as(field).anyMatch(f -> f.startsWith(field));
    }
  }

  @Test
  void aDiskThatWouldShrinkIsRefusedOnApplyAndNothingChanges() throws IOException {
    var basic = Manifests.load(EXAMPLES.resolve("basic.yaml"));
    assertThat(Manifests.apply(client, "test", basic)).containsExactly("qemuvm/basic created");
    assertThat(Manifests.apply(client, "test", basic)).containsExactly("qemuvm/basic unchanged");
    Path shrunk = INVALID.resolveSibling("transition").resolve("basic-disk-shrunk.yaml");

    var rejected =
        catchThrowableOfType(
            Manifests.InvalidManifestException.class,
            () -> Manifests.apply(client, "test", Manifests.load(shrunk)));

    assertThat(rejected.problems().get(0).violations())
        .extracting(v -> v.field() + ": " + v.message())
        .containsExactlyElementsOf(expectations(shrunk));
    QemuVM stored = client.resources(QemuVM.class).inNamespace("test").withName("basic").get();
    assertThat(stored.getSpec().getDisks().get(0).getSize().toString()).isEqualTo("64Mi");
  }

  @Test
  void aMultiDocumentFileYieldsEveryVm() throws IOException {
    Path file = Files.createTempFile("multi", ".yaml");
    try {
      Files.writeString(
          file,
          Files.readString(EXAMPLES.resolve("basic.yaml"))
              + "---\n"
              + Files.readString(EXAMPLES.resolve("paused.yaml"))
              + "---\n");
      assertThat(Manifests.load(file))
          .extracting(Manifests.Manifest::name)
          .containsExactly("basic", "paused");
    } finally {
      Files.delete(file);
    }
  }

  private static List<String> expectations(Path file) throws IOException {
    return Files.readAllLines(file).stream()
        .filter(l -> l.startsWith("# expect: "))
        .map(l -> l.substring("# expect: ".length()))
        .toList();
  }

  private static List<String> expectationsUnchecked(Path file) {
    try {
      return expectations(file);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
