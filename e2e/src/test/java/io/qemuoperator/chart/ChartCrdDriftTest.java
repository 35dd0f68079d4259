package io.qemuoperator.chart;

import static org.assertj.core.api.Assertions.assertThat;

import io.qemuoperator.testing.RepoFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The chart ships the CRDs in its {@code crds/} (Helm installs them, never upgrades them): they
 * must be the generated ones in the repository's {@code crds/}, byte for byte.
 */
class ChartCrdDriftTest {
  private static final String REFRESH = "cp crds/*.yml helm/qemu-operator/crds/";

  @Test
  void chartCrdsAreTheGeneratedCrds() throws IOException {
    Path generated = RepoFiles.file("crds");
    Path chart = RepoFiles.file("helm/qemu-operator/crds");

    assertThat(names(chart))
        .as("the chart's crds/ holds the same files as crds/; refresh with: %s", REFRESH)
        .containsExactlyInAnyOrderElementsOf(names(generated))
        .isNotEmpty();
    for (String name : names(generated)) {
      assertThat(Files.mismatch(generated.resolve(name), chart.resolve(name)))
          .as(
              "helm/qemu-operator/crds/%s differs from crds/%s; refresh with: %s",
              name, name, REFRESH)
          .isEqualTo(-1L);
    }
  }

  private static java.util.List<String> names(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
