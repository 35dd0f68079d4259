package io.qemuoperator.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apiextensions.v1.ValidationRule;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every rule the API classes declare is present in the generated CRD. */
class CrdSchemaTest {

  private static final String POSITIVE_QUANTITY =
      "isQuantity(string(self)) && quantity(string(self)).sign() > 0";

  private final CustomResourceDefinition crd = GeneratedCrd.load();
  private final JSONSchemaProps spec = GeneratedCrd.schema().getProperties().get("spec");
  private final JSONSchemaProps status = GeneratedCrd.schema().getProperties().get("status");

  @Test
  void namesScopeAndVersion() {
    assertThat(crd.getMetadata().getName()).isEqualTo("qemuvms.qemu-operator.io");
    assertThat(crd.getSpec().getGroup()).isEqualTo("qemu-operator.io");
    assertThat(crd.getSpec().getScope()).isEqualTo("Namespaced");
    assertThat(crd.getSpec().getNames().getKind()).isEqualTo("QemuVM");
    assertThat(crd.getSpec().getNames().getPlural()).isEqualTo("qemuvms");
    assertThat(crd.getSpec().getNames().getSingular()).isEqualTo("qemuvm");
    assertThat(crd.getSpec().getNames().getShortNames()).containsExactly("qvm");
    assertThat(crd.getSpec().getVersions()).hasSize(1);
    CustomResourceDefinitionVersion version = crd.getSpec().getVersions().get(0);
    assertThat(version.getName()).isEqualTo("v1alpha1");
    assertThat(version.getServed()).isTrue();
    assertThat(version.getStorage()).isTrue();
    assertThat(version.getSubresources().getStatus()).isNotNull();
    assertThat(version.getSubresources().getScale()).isNull();
  }

  @Test
  void printerColumns() {
    List<CustomResourceColumnDefinition> columns =
        crd.getSpec().getVersions().get(0).getAdditionalPrinterColumns();
    assertThat(columns)
        .extracting(
            CustomResourceColumnDefinition::getName,
            CustomResourceColumnDefinition::getJsonPath,
            CustomResourceColumnDefinition::getType)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple("Phase", ".status.phase", "string"),
            org.assertj.core.groups.Tuple.tuple("RunState", ".status.runState", "string"),
            org.assertj.core.groups.Tuple.tuple("CPUs", ".status.vcpus", "integer"),
            org.assertj.core.groups.Tuple.tuple("Memory", ".status.memory.boot", "string"),
            org.assertj.core.groups.Tuple.tuple("Age", ".metadata.creationTimestamp", "date"));
  }

  @Test
  void specDefaults() {
    Map<String, JSONSchemaProps> p = spec.getProperties();
    assertThat(p.get("running").getDefault().isBoolean()).isTrue();
    assertThat(p.get("running").getDefault().booleanValue()).isTrue();
    assertThat(p.get("paused").getDefault().isBoolean()).isTrue();
    assertThat(p.get("paused").getDefault().booleanValue()).isFalse();
    assertThat(p.get("cpus").getDefault().isIntegralNumber()).isTrue();
    assertThat(p.get("cpus").getDefault().intValue()).isEqualTo(1);
    assertThat(p.get("memory").getDefault().asText()).isEqualTo("512Mi");
    assertThat(p.get("terminationGracePeriodSeconds").getDefault().intValue()).isEqualTo(60);
  }

  @Test
  void specTypesAndRanges() {
    Map<String, JSONSchemaProps> p = spec.getProperties();
    assertThat(p.get("running").getType()).isEqualTo("boolean");
    assertThat(p.get("paused").getType()).isEqualTo("boolean");
    assertThat(p.get("cpus").getType()).isEqualTo("integer");
    assertThat(p.get("cpus").getMinimum()).isEqualTo(1.0);
    assertThat(p.get("cpus").getMaximum()).isEqualTo(64.0);
    assertThat(p.get("terminationGracePeriodSeconds").getMinimum()).isEqualTo(0.0);
    assertThat(p.get("terminationGracePeriodSeconds").getMaximum()).isEqualTo(3600.0);
    for (JSONSchemaProps quantity :
        List.of(
            p.get("memory"),
            p.get("balloon"),
            disk().getProperties().get("size"),
            p.get("migration").getProperties().get("maxBandwidth"))) {
      assertThat(quantity.getXKubernetesIntOrString()).isTrue();
      assertThat(rules(quantity)).containsExactly(POSITIVE_QUANTITY);
    }
  }

  @Test
  void disks() {
    JSONSchemaProps disks = spec.getProperties().get("disks");
    assertThat(disks.getType()).isEqualTo("array");
    assertThat(disks.getMaxItems()).isEqualTo(16L);
    JSONSchemaProps disk = disk();
    assertThat(disk.getRequired()).containsExactlyInAnyOrder("name", "size");
    JSONSchemaProps name = disk.getProperties().get("name");
    assertThat(name.getPattern()).isEqualTo("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$");
    assertThat(name.getMaxLength()).isEqualTo(63L);
    assertThat(disk.getProperties().get("storageClassName").getMaxLength()).isEqualTo(253L);
    assertThat(disk.getProperties().get("storageClassName").getPattern()).startsWith("^[a-z0-9]");
  }

  @Test
  void diskNamesAreUniqueByCel() {
    ValidationRule unique = rule(spec.getProperties().get("disks"), "e.name == d.name");
    assertThat(unique.getRule()).isEqualTo("self.all(d, self.exists_one(e, e.name == d.name))");
    assertThat(unique.getMessage()).isEqualTo("disk names must be unique");
    assertThat(unique.getRule()).doesNotContain("oldSelf");
  }

  @Test
  void diskSizeNeverShrinksIsATransitionRuleOnTheDiskList() {
    // Fabric8 7.5 cannot emit x-kubernetes-list-type: map, and Kubernetes allows oldSelf only
    // where a schema is correlatable (not inside an atomic list's items): so the rule sits on the
    // list and matches old and new disks by name.
    JSONSchemaProps disks = spec.getProperties().get("disks");
    ValidationRule shrink = rule(disks, "oldSelf");
    assertThat(shrink.getRule())
        .isEqualTo(
            "self.all(d, oldSelf.all(o, o.name != d.name || !isQuantity(string(d.size))"
                + " || quantity(string(d.size)).compareTo(quantity(string(o.size))) >= 0))");
    assertThat(shrink.getMessage()).isEqualTo("a disk's size can grow but never shrink");
    assertThat(shrink.getOptionalOldSelf()).isNull();
    assertThat(rules(disk())).isEmpty();
  }

  @Test
  void balloonAtMostMemoryByCelOnSpec() {
    ValidationRule balloon = rule(spec, "balloon");
    assertThat(balloon.getRule())
        .isEqualTo(
            "!has(self.balloon) || !isQuantity(string(self.balloon))"
                + " || !isQuantity(string(self.memory))"
                + " || quantity(string(self.balloon)).compareTo(quantity(string(self.memory))) <= 0");
    assertThat(balloon.getFieldPath()).isEqualTo(".balloon");
    assertThat(balloon.getMessage()).isEqualTo("balloon must not exceed memory");
  }

  @Test
  void ioLimitsRefuseWhatQemuRefusesByCel() {
    JSONSchemaProps limits = disk().getProperties().get("ioLimits");
    assertThat(rule(limits, "totalBytesPerSec").getRule())
        .isEqualTo(
            "!has(self.totalBytesPerSec) || (!has(self.readBytesPerSec) &&"
                + " !has(self.writeBytesPerSec))");
    assertThat(rule(limits, "totalIopsPerSec").getRule())
        .isEqualTo(
            "!has(self.totalIopsPerSec) || (!has(self.readIopsPerSec) &&"
                + " !has(self.writeIopsPerSec))");
    assertThat(rule(limits.getProperties().get("readBytesPerSec"), "quantity('1P')").getRule())
        .startsWith("isQuantity(string(self)) && quantity(string(self)).sign() > 0");
    JSONSchemaProps iops = limits.getProperties().get("writeIopsPerSec");
    assertThat(iops.getMinimum()).isEqualTo(1.0);
    assertThat(iops.getMaximum()).isEqualTo(1e15);
  }

  @Test
  void cdromsAreFewNamedUniquelyAndTheirFileStaysInTheClaim() {
    JSONSchemaProps cdroms = spec.getProperties().get("cdroms");
    assertThat(cdroms.getMaxItems()).isEqualTo(4L);
    assertThat(rule(cdroms, "e.name == c.name").getRule())
        .isEqualTo("self.all(c, self.exists_one(e, e.name == c.name))");
    JSONSchemaProps cdrom = cdroms.getItems().getSchema();
    assertThat(cdrom.getRequired()).containsExactlyInAnyOrder("name", "claimName");
    assertThat(cdrom.getProperties().get("name").getPattern())
        .isEqualTo("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$");
    JSONSchemaProps file = cdrom.getProperties().get("file");
    assertThat(file.getPattern()).isEqualTo("^[A-Za-z0-9_+-][A-Za-z0-9._+/-]*$");
    assertThat(file.getMaxLength()).isEqualTo(1024L);
    assertThat(rule(file, "'/../'").getRule())
        .isEqualTo("!self.contains('/../') && !self.endsWith('/..') && !self.endsWith('/')");
    ValidationRule notADisk = rule(spec, "self.cdroms.all");
    assertThat(notADisk.getRule())
        .isEqualTo(
            "!has(self.cdroms) || !has(self.disks)"
                + " || self.cdroms.all(c, !self.disks.exists(d, d.name == c.name))");
    assertThat(notADisk.getFieldPath()).isEqualTo(".cdroms");
  }

  @Test
  void networkLinkIsUpOrDown() {
    JSONSchemaProps link = spec.getProperties().get("network").getProperties().get("link");
    assertThat(link.getEnum()).extracting(JsonNode::asText).containsExactly("Down", "Up");
    assertThat(link.getDefault().asText()).isEqualTo("Up");
  }

  @Test
  void migrationDowntimeIsADurationPattern() {
    JSONSchemaProps downtime =
        spec.getProperties().get("migration").getProperties().get("maxDowntime");
    assertThat(downtime.getType()).isEqualTo("string");
    assertThat(downtime.getPattern()).isEqualTo("^[0-9]+(\\.[0-9]+)?(ms|s)$");
  }

  @Test
  void statusPhaseConditionsAndFields() {
    Map<String, JSONSchemaProps> p = status.getProperties();
    assertThat(p.get("phase").getEnum())
        .extracting(JsonNode::asText)
        .containsExactlyInAnyOrder(
            "Pending",
            "Starting",
            "Running",
            "Paused",
            "Migrating",
            "Stopping",
            "Stopped",
            "Failed");
    assertThat(p)
        .containsKeys(
            "runState",
            "observedGeneration",
            "conditions",
            "qemu",
            "memory",
            "disks",
            "cpus",
            "migration",
            "network",
            "sidecarInstance",
            "vcpus",
            "intent");
    assertThat(p.get("intent").getProperties())
        .containsOnlyKeys(
            "qemu", "launchRevision", "balloonTarget", "link", "powerdownRequestedAt");
    assertThat(p.get("network").getProperties()).containsOnlyKeys("link");
    assertThat(p.get("qemu").getProperties().get("kvm").getProperties())
        .containsOnlyKeys("enabled", "present");
    assertThat(p.get("memory").getProperties()).containsOnlyKeys("boot", "actual", "target");
    assertThat(p.get("disks").getItems().getSchema().getProperties())
        .containsOnlyKeys(
            "name", "device", "sizeBytes", "format", "readOnly", "ioStatus", "ioLimits");
    assertThat(p.get("cpus").getItems().getSchema().getProperties())
        .containsOnlyKeys("index", "threadId");
    assertThat(p.get("migration").getProperties())
        .containsOnlyKeys("status", "maxBandwidth", "maxDowntimeMs");

    JSONSchemaProps condition = p.get("conditions").getItems().getSchema();
    assertThat(condition.getRequired())
        .containsExactlyInAnyOrder("type", "status", "reason", "lastTransitionTime");
    assertThat(condition.getProperties().get("status").getPattern())
        .isEqualTo("^(True|False|Unknown)$");
    assertThat(condition.getProperties().get("reason").getPattern())
        .isEqualTo("^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$");
    assertThat(condition.getProperties()).containsKey("observedGeneration");
  }

  @Test
  void everySpecAndStatusFieldHasADescription() {
    List<String> missing = new ArrayList<>();
    List<String> seen = new ArrayList<>();
    walk("spec", spec, missing, seen);
    walk("status", status, missing, seen);
    assertThat(missing).isEmpty();
    // the walk really went deep: nested objects and list items were visited
    assertThat(seen)
        .contains(
            "spec.disks[].size",
            "spec.migration.maxDowntime",
            "status.conditions[].reason",
            "status.qemu.kvm.present");
  }

  private static void walk(
      String path, JSONSchemaProps schema, List<String> missing, List<String> seen) {
    if (schema.getProperties() != null) {
      schema
          .getProperties()
          .forEach(
              (name, child) -> {
                String childPath = path + "." + name;
                seen.add(childPath);
                if (child.getDescription() == null || child.getDescription().isBlank()) {
                  missing.add(childPath);
                }
                walk(childPath, child, missing, seen);
              });
    }
    if (schema.getItems() != null && schema.getItems().getSchema() != null) {
      walk(path + "[]", schema.getItems().getSchema(), missing, seen);
    }
  }

  private JSONSchemaProps disk() {
    return spec.getProperties().get("disks").getItems().getSchema();
  }

  private static List<String> rules(JSONSchemaProps schema) {
    List<ValidationRule> rules = schema.getXKubernetesValidations();
    return rules == null ? List.of() : rules.stream().map(ValidationRule::getRule).toList();
  }

  private static ValidationRule rule(JSONSchemaProps schema, String containing) {
    List<ValidationRule> matching =
        schema.getXKubernetesValidations().stream()
            .filter(r -> r.getRule().contains(containing))
            .toList();
    assertThat(matching).as("one rule containing '%s'", containing).hasSize(1);
    return matching.get(0);
  }
}
