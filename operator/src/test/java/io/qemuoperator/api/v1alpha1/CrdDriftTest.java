package io.qemuoperator.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The CRD committed in {@code crds/} is the one the build generates from the API classes. */
class CrdDriftTest {

  /** Surefire runs in the module's directory; {@code crds/} is at the repository root. */
  static final Path COMMITTED = Path.of("..", "crds", QemuVMApi.CRD_NAME + "-v1.yml");

  static final String REFRESH =
      "cp operator/target/classes/"
          + GeneratedCrd.RESOURCE
          + " crds/   (after mvn process-classes)";

  @Test
  void committedCrdEqualsGeneratedCrd() throws IOException {
    assertThat(COMMITTED)
        .as("committed CRD %s; create it with: %s", COMMITTED, REFRESH)
        .isRegularFile();
    String committed = Files.readString(COMMITTED);
    assertThat(committed)
        .as("crds/ is out of date with the API classes; refresh it with: %s", REFRESH)
        .isEqualTo(GeneratedCrd.text());
  }
}
