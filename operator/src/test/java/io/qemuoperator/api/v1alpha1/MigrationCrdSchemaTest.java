package io.qemuoperator.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.Test;

/**
 * The QemuVMMigration CRD: a request naming a VM, which cannot be changed once made, with its
 * phases in status; and the VM's migration tuning in the QemuVM CRD.
 */
class MigrationCrdSchemaTest {
  private final CustomResourceDefinition crd =
      Serialization.unmarshal(
          GeneratedCrd.text(QemuVMApi.CRD_RESOURCES.get(1)), CustomResourceDefinition.class);
  private final JSONSchemaProps schema =
      crd.getSpec().getVersions().getFirst().getSchema().getOpenAPIV3Schema();

  @Test
  void namesAndStatusSubresource() {
    assertThat(crd.getMetadata().getName()).isEqualTo("qemuvmmigrations.qemu-operator.io");
    assertThat(crd.getSpec().getNames().getKind()).isEqualTo("QemuVMMigration");
    assertThat(crd.getSpec().getNames().getShortNames()).containsExactly("qvmm");
    assertThat(crd.getSpec().getScope()).isEqualTo("Namespaced");
    assertThat(crd.getSpec().getVersions().getFirst().getSubresources().getStatus()).isNotNull();
  }

  @Test
  void theRequestNamesAVmAndCannotBeChanged() {
    JSONSchemaProps spec = schema.getProperties().get("spec");
    assertThat(spec.getRequired()).containsExactly("vmName");
    assertThat(spec.getProperties().get("vmName").getPattern())
        .isEqualTo("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$");
    assertThat(spec.getXKubernetesValidations())
        .singleElement()
        .satisfies(rule -> assertThat(rule.getRule()).isEqualTo("self == oldSelf"));
  }

  @Test
  void phasesAndFigures() {
    JSONSchemaProps status = schema.getProperties().get("status");
    assertThat(status.getProperties().get("phase").getEnum())
        .extracting(JsonNode::asText)
        .containsExactlyInAnyOrder(
            "Pending",
            "TargetStarting",
            "Transferring",
            "HandingOver",
            "Completed",
            "Failed",
            "Cancelled",
            "Refused");
    assertThat(status.getProperties().get("progress").getProperties())
        .containsKeys(
            "qemuStatus",
            "transferredBytes",
            "remainingBytes",
            "passes",
            "expectedDowntimeMs",
            "throttlePercent");
    assertThat(status.getProperties())
        .containsKeys("sourcePod", "targetPod", "policy", "downtimeMs", "totalTimeMs", "deadline");
  }

  @Test
  void theVmsTuningHasAPolicyAndADeadline() {
    JSONSchemaProps migration =
        GeneratedCrd.schema().getProperties().get("spec").getProperties().get("migration");
    assertThat(migration.getProperties().get("policy").getEnum())
        .extracting(JsonNode::asText)
        .containsExactlyInAnyOrder("Auto", "PreCopy", "StopAndCopy");
    assertThat(migration.getProperties().get("completionTimeout").getPattern())
        .isEqualTo("^[0-9]{1,6}(s|m)$");
    assertThat(migration.getProperties().get("autoConverge").getType()).isEqualTo("boolean");
  }
}
