package io.qemuoperator.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/** The CRD committed in {@code crds/} is the one the build generates from the API classes. */
class CrdDriftTest {

  /** Surefire runs in the module's directory; {@code crds/} is at the repository root. */
  static final Path CRDS = Path.of("..", "crds");

  static final String REFRESH =
      "cp operator/target/classes/META-INF/fabric8/*.yml crds/   (after mvn process-classes)";

  @ParameterizedTest
  @FieldSource("io.qemuoperator.api.v1alpha1.QemuVMApi#CRD_RESOURCES")
  void committedCrdEqualsGeneratedCrd(String resource) throws IOException {
    Path committed = CRDS.resolve(Path.of(resource).getFileName());
    assertThat(committed)
        .as("committed CRD %s; create it with: %s", committed, REFRESH)
        .isRegularFile();
    assertThat(Files.readString(committed))
        .as("crds/ is out of date with the API classes; refresh it with: %s", REFRESH)
        .isEqualTo(GeneratedCrd.text(resource));
  }

  @Test
  void crdsHoldsNoOtherCrd() throws IOException {
    try (var files = Files.list(CRDS)) {
      assertThat(files.map(f -> "META-INF/fabric8/" + f.getFileName()))
          .containsExactlyInAnyOrderElementsOf(QemuVMApi.CRD_RESOURCES);
    }
  }
}
