package io.qemuoperator.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The examples' image URLs follow the image server to the address the real node's pods reach. */
class GuestImageUrlsTest {

  @Test
  void theDefaultAddressIsRewrittenToTheServedOneAndNothingElseIs() throws IOException {
    List<Manifests.Manifest> manifests = Manifests.load(Path.of("..", "examples"));
    var urls = GuestImageUrls.servedAt(URI.create("http://10.88.0.1:8555/"));

    List<String> lines = urls.rewrite(manifests);

    assertThat(lines)
        .containsExactly(
            "QemuVM imported-image disk root: image from http://10.88.0.1:8555/test-guest.qcow2");
    var imported =
        manifests.stream().filter(m -> m.name().equals("imported-image")).findFirst().orElseThrow();
    assertThat(imported.vm().getSpec().getDisks().get(0).getSource().getUrl())
        .isEqualTo("http://10.88.0.1:8555/test-guest.qcow2");
  }

  @Test
  void servedAtTheDefaultAddressChangesNothing() throws IOException {
    List<Manifests.Manifest> manifests = Manifests.load(Path.of("..", "examples"));

    assertThat(GuestImageUrls.servedAt(URI.create("http://127.0.0.1:8555/")).rewrite(manifests))
        .isEmpty();
    assertThat(
            manifests.stream()
                .flatMap(m -> m.vm().getSpec().getDisks().stream())
                .filter(d -> d.getSource() != null)
                .map(d -> d.getSource().getUrl()))
        .containsExactly("http://127.0.0.1:8555/test-guest.qcow2");
  }
}
