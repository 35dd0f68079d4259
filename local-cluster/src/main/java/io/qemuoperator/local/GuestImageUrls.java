package io.qemuoperator.local;

import io.qemuoperator.api.v1alpha1.spec.DiskSource;
import io.qemuoperator.api.v1alpha1.spec.DiskSpec;
import java.net.URI;
import java.util.List;
import java.util.Objects;

/**
 * Points manifests that name the local image server at its default address ({@code
 * http://127.0.0.1:8555/…}, as the examples do) at the address it really serves at. On a real node
 * the VM pods' importers run in their own network namespaces, where 127.0.0.1 is the pod itself:
 * the launcher serves the images on the node's gateway address instead, and {@code up} says which
 * URLs it rewrote.
 */
record GuestImageUrls(URI declared, URI served) {

  static GuestImageUrls servedAt(URI served) {
    return new GuestImageUrls(
        URI.create("http://" + GuestImageServer.DEFAULT_ADDRESS + "/"), served);
  }

  /** Rewrites the manifests' matching disk source URLs in place; returns one line per rewrite. */
  List<String> rewrite(List<Manifests.Manifest> manifests) {
    if (declared.equals(served)) {
      return List.of();
    }
    String prefix = declared.toString();
    return manifests.stream()
        .filter(m -> m.vm().getSpec() != null && m.vm().getSpec().getDisks() != null)
        .flatMap(
            m ->
                m.vm().getSpec().getDisks().stream()
                    .filter(Objects::nonNull)
                    .filter(d -> d.getSource() != null && d.getSource().getUrl() != null)
                    .filter(d -> d.getSource().getUrl().startsWith(prefix))
                    .map(d -> rewrite(m.name(), d, prefix)))
        .toList();
  }

  private String rewrite(String vm, DiskSpec disk, String prefix) {
    DiskSource source = disk.getSource();
    String url = served + source.getUrl().substring(prefix.length());
    disk.setSource(DiskSource.url(url, source.getSha256()));
    return "QemuVM " + vm + " disk " + disk.getName() + ": image from " + url;
  }
}
