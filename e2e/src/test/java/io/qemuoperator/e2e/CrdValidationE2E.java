package io.qemuoperator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.api.v1alpha1.spec.DiskSpec;
import io.qemuoperator.api.v1alpha1.spec.QemuVMSpec;
import io.qemuoperator.operator.validation.QemuVMSpecValidator;
import io.qemuoperator.operator.validation.Violation;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The generated CRD on a real API server (v1.20.2): it installs unchanged, the server applies its
 * OpenAPI schema (defaults, types, ranges, patterns) with the messages a user sees, and the rules
 * that need CEL (which v1.20 does not have) are left to the operator's Java validator.
 */
@ExtendWith(RealApiServer.class)
class CrdValidationE2E {

  private static RealApiServer server;
  private static CustomResourceDefinition stored;
  private static String namespace;

  @BeforeAll
  static void installCrd(RealApiServer realApiServer) {
    server = realApiServer;
    stored = server.installCrd();
    namespace = server.newNamespace("crd");
  }

  @Test
  void crdInstallsUnchangedAndV120DropsTheCelRulesSilently() {
    // The file sent holds x-kubernetes-validations (CEL), which v1.20's schema type does not know.
    String sent = Serialization.asJson(RealApiServer.loadCrd());
    assertThat(sent).contains("x-kubernetes-validations");
    // v1.20 accepts the CRD (no 4xx: unknown fields are not rejected) and stores it without the
    // rules: they are dropped on decoding, never enforced.
    String kept = Serialization.asJson(stored.getSpec());
    assertThat(kept).doesNotContain("x-kubernetes-validations").doesNotContain("isQuantity");
    assertThat(stored.getSpec().getVersions().get(0).getSubresources().getStatus()).isNotNull();
    assertThat(kept).contains("^[0-9]+(\\\\.[0-9]+)?(ms|s)$");
  }

  @Test
  void defaultsAreAppliedByTheServer() {
    GenericKubernetesResource vm =
        QemuVMs.untyped(server.client())
            .inNamespace(namespace)
            .resource(QemuVMs.manifest("defaults", "{}"))
            .create();
    JsonNode spec = new ObjectMapper().valueToTree(vm.getAdditionalProperties().get("spec"));
    assertThat(spec.get("cpus").asInt()).isEqualTo(1);
    assertThat(spec.get("memory").asText()).isEqualTo("512Mi");
    assertThat(spec.get("running").asBoolean()).isTrue();
    assertThat(spec.get("paused").asBoolean()).isFalse();
    assertThat(spec.get("terminationGracePeriodSeconds").asInt()).isEqualTo(60);
  }

  /**
   * v1.20 has no server-side field validation: the structural schema prunes an unknown field
   * without a word, so a typo is lost. The local CLI's check (Manifests, the unknown-fields.yaml
   * case of ManifestsTest) is what tells the user.
   */
  @Test
  void anUnknownFieldIsPrunedWithoutAWordByV120() {
    GenericKubernetesResource created =
        QemuVMs.untyped(server.client())
            .inNamespace(namespace)
            .resource(QemuVMs.manifest("typo", "{cpu: 2, memory: 128Mi}"))
            .create();
    JsonNode spec = new ObjectMapper().valueToTree(created.getAdditionalProperties().get("spec"));
    assertThat(spec.has("cpu")).isFalse();
    assertThat(spec.get("cpus").asInt()).as("the default, not the 2 meant").isEqualTo(1);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          wrong type for cpus     | 'cpus: four'                                | spec.cpus: Invalid value: "string": spec.cpus in body must be of type integer: "string"
          cpus above 64           | 'cpus: 65'                                  | spec.cpus: Invalid value: 65: spec.cpus in body should be less than or equal to 64
          cpus below 1            | 'cpus: 0'                                   | spec.cpus: Invalid value: 0: spec.cpus in body should be greater than or equal to 1
          missing disk name       | 'disks: [{size: 1Gi}]'                      | spec.disks.name: Required value
          bad disk name pattern   | 'disks: [{name: Root_Disk, size: 1Gi}]'     | spec.disks.name: Invalid value: "Root_Disk": spec.disks.name in body should match '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$'
          maxDowntime pattern     | 'migration: {maxDowntime: "300"}'           | spec.migration.maxDowntime: Invalid value: "300": spec.migration.maxDowntime in body should match '^[0-9]+(\\.[0-9]+)?(ms|s)$'
          grace period above 3600 | 'terminationGracePeriodSeconds: 3601'       | spec.terminationGracePeriodSeconds: Invalid value: 3601: spec.terminationGracePeriodSeconds in body should be less than or equal to 3600
          """)
  void invalidManifestIsRejectedWith422NamingTheField(
      String what, String specYaml, String expectedMessage) {
    String name = what.replace(' ', '-').toLowerCase(java.util.Locale.ROOT);
    assertThatThrownBy(
            () ->
                QemuVMs.untyped(server.client())
                    .inNamespace(namespace)
                    .resource(QemuVMs.manifest(name, specYaml))
                    .create())
        .isInstanceOfSatisfying(
            KubernetesClientException.class,
            e -> {
              System.err.printf("[%s] the server says: %s%n", what, e.getStatus().getMessage());
              assertThat(e.getCode()).isEqualTo(422);
              assertThat(e.getStatus().getReason()).isEqualTo("Invalid");
              assertThat(e.getStatus().getMessage())
                  .startsWith("QemuVM.qemu-operator.io \"" + name + "\" is invalid: ")
                  .contains(expectedMessage);
            });
  }

  /**
   * Rules the CRD states in CEL: v1.20 stores these manifests (it has no CEL), so the operator's
   * Java validator is what rejects them (and reports them in a condition).
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          balloon above memory   | '{memory: 1Gi, balloon: 2Gi}'                                 | spec.balloon
          memory not positive    | '{memory: "-1Gi"}'                                           | spec.memory
          memory not a quantity  | '{memory: lots}'                                             | spec.memory
          disk size not positive | '{disks: [{name: root, size: "0"}]}'                         | spec.disks[0].size
          duplicate disk names   | '{disks: [{name: root, size: 1Gi}, {name: root, size: 2Gi}]}' | spec.disks[1].name
          """)
  void celRuleNotEnforcedByV120IsCoveredByTheJavaValidator(
      String what, String specYaml, String field) {
    String name = "cel-" + what.replace(' ', '-');
    GenericKubernetesResource created =
        QemuVMs.untyped(server.client())
            .inNamespace(namespace)
            .resource(QemuVMs.manifest(name, specYaml))
            .create();
    assertThat(created.getMetadata().getUid()).isNotBlank();
    QemuVM vm = server.client().resources(QemuVM.class).inNamespace(namespace).withName(name).get();
    List<Violation> violations = new QemuVMSpecValidator().validate(vm.getSpec());
    assertThat(violations).extracting(Violation::field).contains(field);
  }

  @Test
  void diskShrinkNotEnforcedByV120IsCoveredByTheJavaValidator() {
    var vms = server.client().resources(QemuVM.class).inNamespace(namespace);
    QemuVM vm = new QemuVM();
    vm.getMetadata().setName("shrink");
    QemuVMSpec spec = new QemuVMSpec();
    spec.setDisks(new ArrayList<>(List.of(new DiskSpec("root", new Quantity("10Gi")))));
    vm.setSpec(spec);
    QemuVM before = vms.resource(vm).create();

    QemuVM shrunk =
        vms.withName("shrink")
            .edit(
                v -> {
                  v.getSpec().getDisks().get(0).setSize(new Quantity("5Gi"));
                  return v;
                });
    assertThat(shrunk.getSpec().getDisks().get(0).getSize()).isEqualTo(new Quantity("5Gi"));
    assertThat(new QemuVMSpecValidator().validateTransition(before.getSpec(), shrunk.getSpec()))
        .extracting(Violation::field)
        .containsExactly("spec.disks[0].size");
  }
}
