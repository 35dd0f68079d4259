package io.qemuoperator.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.qemuoperator.api.v1alpha1.spec.QemuVMSpec;
import io.qemuoperator.api.v1alpha1.status.Condition;
import io.qemuoperator.api.v1alpha1.status.QemuVMPhase;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Manifests survive YAML → QemuVM → YAML, and Java's defaults are the CRD's defaults. */
class QemuVMSerializationTest {

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @Test
  void resourceIdentity() {
    assertThat(HasMetadata.getApiVersion(QemuVM.class)).isEqualTo("qemu-operator.io/v1alpha1");
    assertThat(HasMetadata.getKind(QemuVM.class)).isEqualTo("QemuVM");
    assertThat(HasMetadata.getPlural(QemuVM.class)).isEqualTo("qemuvms");
    assertThat(HasMetadata.getFullResourceName(QemuVM.class)).isEqualTo(QemuVMApi.CRD_NAME);
    assertThat(new QemuVM().getApiVersion()).isEqualTo(QemuVMApi.API_VERSION);
  }

  @Test
  void fullManifestReadsIntoTypedFields() throws IOException {
    QemuVM vm = Serialization.unmarshal(manifest("qemuvm-web-1.yaml"), QemuVM.class);
    QemuVMSpec spec = vm.getSpec();
    assertThat(vm.getMetadata().getName()).isEqualTo("web-1");
    assertThat(spec.getCpus()).isEqualTo(2);
    assertThat(spec.getMemory()).isEqualTo(new Quantity("1Gi"));
    assertThat(spec.getBalloon()).isEqualTo(new Quantity("768Mi"));
    assertThat(spec.getDisks()).hasSize(2);
    assertThat(spec.getDisks().get(0).getName()).isEqualTo("root");
    assertThat(spec.getDisks().get(0).getSize()).isEqualTo(new Quantity("10Gi"));
    assertThat(spec.getDisks().get(0).getStorageClassName()).isEqualTo("standard");
    assertThat(spec.getDisks().get(1).getStorageClassName()).isNull();
    assertThat(spec.getMigration().getMaxDowntime()).isEqualTo("300ms");
    assertThat(spec.getTerminationGracePeriodSeconds()).isEqualTo(30L);

    assertThat(vm.getStatus().getPhase()).isEqualTo(QemuVMPhase.Running);
    assertThat(vm.getStatus().getObservedGeneration()).isEqualTo(4L);
    assertThat(vm.getStatus().getConditions())
        .containsExactly(
            new Condition(
                "Ready", "True", "Running", "QEMU runs the guest", "2026-11-25T12:00:00Z", 4L));
    assertThat(vm.getStatus().getQemu().getKvm().getPresent()).isTrue();
    assertThat(vm.getStatus().getDisks().get(0).getSizeBytes()).isEqualTo(10737418240L);
    assertThat(vm.getStatus().getCpus().get(1).getThreadId()).isEqualTo(1235L);
    assertThat(vm.getStatus().getMigration().getMaxDowntimeMs()).isEqualTo(300L);
  }

  @Test
  void fullManifestRoundTripsUnchanged() throws IOException {
    String original = manifest("qemuvm-web-1.yaml");
    QemuVM vm = Serialization.unmarshal(original, QemuVM.class);
    String written = Serialization.asYaml(vm);
    assertThat(YAML.readTree(written)).isEqualTo(YAML.readTree(original));
    assertThat(Serialization.unmarshal(written, QemuVM.class)).isEqualTo(vm);
  }

  @Test
  void minimalManifestGetsTheCrdDefaults() throws IOException {
    QemuVM vm = Serialization.unmarshal(manifest("qemuvm-minimal.yaml"), QemuVM.class);
    JsonNode spec = YAML.valueToTree(vm.getSpec());
    Map<String, JSONSchemaProps> schema =
        GeneratedCrd.schema().getProperties().get("spec").getProperties();
    int defaults = 0;
    for (Map.Entry<String, JSONSchemaProps> field : schema.entrySet()) {
      JsonNode crdDefault = field.getValue().getDefault();
      if (crdDefault != null) {
        defaults++;
        JsonNode javaDefault = spec.get(field.getKey());
        assertThat(javaDefault).as("Java default of spec.%s", field.getKey()).isNotNull();
        assertThat(javaDefault.getNodeType())
            .as("type of spec.%s", field.getKey())
            .isEqualTo(crdDefault.getNodeType());
        assertThat(javaDefault.asText())
            .as("Java default of spec.%s", field.getKey())
            .isEqualTo(crdDefault.asText());
      }
    }
    // running, paused, cpus, memory, firmware, terminationGracePeriodSeconds, updateStrategy
    assertThat(defaults).isEqualTo(7);
    assertThat(vm.getSpec().getBalloon()).isNull();
    assertThat(vm.getSpec().getDisks()).isEmpty();
    assertThat(vm.getStatus()).isNull();
  }

  @Test
  void unsetOptionalFieldsAreNotWritten() {
    QemuVM vm = new QemuVM();
    String yaml = Serialization.asYaml(vm.getSpec());
    assertThat(yaml).doesNotContain("balloon", "migration", "null");
  }

  private static String manifest(String name) throws IOException {
    try (InputStream in =
        QemuVMSerializationTest.class.getClassLoader().getResourceAsStream(name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
