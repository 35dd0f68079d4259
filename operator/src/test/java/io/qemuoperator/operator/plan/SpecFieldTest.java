package io.qemuoperator.operator.plan;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.qemuoperator.api.v1alpha1.QemuVMApi;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The field table is complete: every field of the generated CRD's spec is classified. */
class SpecFieldTest {

  @Test
  void everySpecFieldOfTheCrdIsClassifiedAndNoOtherIs() throws IOException {
    Set<String> crdFields = new TreeSet<>();
    collect("spec", specSchema(), crdFields);
    Set<String> table =
        Arrays.stream(SpecField.values())
            .map(SpecField::path)
            .collect(Collectors.toCollection(TreeSet::new));
    assertThat(table)
        .as("SpecField must classify every spec field of the CRD (LIVE, RESTART or FIXED)")
        .isEqualTo(crdFields);
  }

  @Test
  void bootTimeFieldsAreTheRestartFieldsComparedAsAWhole() {
    assertThat(
            Arrays.stream(SpecField.values())
                .filter(f -> f.bootValue().isPresent())
                .map(SpecField::path))
        .containsExactly(
            "spec.cpus",
            "spec.memory",
            "spec.disks",
            "spec.disks[].bootOrder",
            "spec.cdroms",
            "spec.firmware",
            "spec.machine",
            "spec.cloudInit",
            "spec.ports",
            "spec.readinessProbe",
            "spec.guestAgent",
            "spec.accelerator");
    assertThat(
            Arrays.stream(SpecField.values())
                .filter(f -> f.bootValue().isPresent())
                .allMatch(f -> f.cost() == SpecField.Class.RESTART))
        .isTrue();
    assertThat(SpecField.DISK_SIZE.cost()).isEqualTo(SpecField.Class.LIVE);
    assertThat(SpecField.BALLOON.cost()).isEqualTo(SpecField.Class.LIVE);
    assertThat(SpecField.CDROM_FILE.cost()).isEqualTo(SpecField.Class.LIVE);
    assertThat(SpecField.CDROM_CLAIM.cost()).isEqualTo(SpecField.Class.RESTART);
  }

  private static JSONSchemaProps specSchema() throws IOException {
    String resource = "META-INF/fabric8/" + QemuVMApi.CRD_NAME + "-v1.yml";
    try (InputStream in = SpecFieldTest.class.getClassLoader().getResourceAsStream(resource)) {
      assertThat(in).as(resource).isNotNull();
      CustomResourceDefinition crd = Serialization.unmarshal(in, CustomResourceDefinition.class);
      return crd.getSpec()
          .getVersions()
          .get(0)
          .getSchema()
          .getOpenAPIV3Schema()
          .getProperties()
          .get("spec");
    }
  }

  /** Every property below {@code path}, objects and leaves, list items written {@code []}. */
  private static void collect(String path, JSONSchemaProps schema, Set<String> into) {
    JSONSchemaProps object = schema.getItems() != null ? schema.getItems().getSchema() : schema;
    String prefix = schema.getItems() != null ? path + "[]" : path;
    if (object == null || object.getProperties() == null) {
      return;
    }
    for (Map.Entry<String, JSONSchemaProps> property : object.getProperties().entrySet()) {
      String child = prefix + "." + property.getKey();
      into.add(child);
      collect(child, property.getValue(), into);
    }
  }
}
