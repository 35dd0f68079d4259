package io.qemuoperator.api.v1alpha1;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/** The CRD the build generated from the API classes, as tests read it. */
final class GeneratedCrd {

  /** Where crd-generator-maven-plugin writes it, relative to the classpath root. */
  static final String RESOURCE = "META-INF/fabric8/" + QemuVMApi.CRD_NAME + "-v1.yml";

  private GeneratedCrd() {}

  static String text() {
    return text(RESOURCE);
  }

  /** The generated CRD {@code resource} (one of {@link QemuVMApi#CRD_RESOURCES}). */
  static String text(String resource) {
    try (InputStream in =
        Objects.requireNonNull(
            GeneratedCrd.class.getClassLoader().getResourceAsStream(resource),
            resource + " is missing: run the build through process-classes")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static CustomResourceDefinition load() {
    return Serialization.unmarshal(text(), CustomResourceDefinition.class);
  }

  /** The openAPIV3Schema of the only version. */
  static JSONSchemaProps schema() {
    return load().getSpec().getVersions().get(0).getSchema().getOpenAPIV3Schema();
  }
}
