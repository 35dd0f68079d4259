package io.qemuoperator.local;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.Set;

/**
 * The namespaces the node's parts serve: all when {@code names} is empty, else only those, as a
 * node that several clusters' tests share would (objects elsewhere are left alone).
 */
record ServedNamespaces(Set<String> names) {
  ServedNamespaces {
    names = Set.copyOf(names);
  }

  boolean serves(HasMetadata object) {
    return names.isEmpty() || names.contains(object.getMetadata().getNamespace());
  }
}
