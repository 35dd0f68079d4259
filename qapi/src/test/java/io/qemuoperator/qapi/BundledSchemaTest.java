package io.qemuoperator.qapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.qemuoperator.qapi.QapiType.AnonymousStruct;
import io.qemuoperator.qapi.QapiType.Builtin;
import io.qemuoperator.qapi.QapiType.ListOf;
import io.qemuoperator.qapi.QapiType.Named;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class BundledSchemaTest {
  private final QapiSchema schema = QapiSchema.bundled();

  @Test
  void holdsTheSeedsDefinitionCounts() {
    assertThat(schema.commands()).hasSize(46);
    assertThat(schema.structs()).hasSize(26);
    assertThat(schema.enums()).hasSize(2);
    assertThat(schema.definitions()).hasSize(74);
  }

  @Test
  void keepsDeclarationOrder() {
    assertThat(schema.definitions().getFirst().name()).isEqualTo("NameInfo");
    assertThat(schema.commands().getFirst().name()).isEqualTo("query-name");
    assertThat(schema.commands().getLast().name()).isEqualTo("block_job_cancel");
    assertThat(schema.enums())
        .extracting(QapiEnum::name)
        .containsExactly("RunState", "BlockDeviceIoStatus");
  }

  @Test
  void versionInfoHasAnAnonymousQemuStruct() {
    QapiStruct versionInfo = schema.struct("VersionInfo").orElseThrow();
    assertThat(versionInfo.members())
        .containsExactly(
            new QapiMember(
                "qemu",
                new AnonymousStruct(
                    List.of(
                        new QapiMember("major", new Builtin("int"), false),
                        new QapiMember("minor", new Builtin("int"), false),
                        new QapiMember("micro", new Builtin("int"), false))),
                false),
            new QapiMember("package", new Builtin("str"), false));
  }

  @Test
  void pciStructsHaveAnonymousStructsAndRefersToEachOther() {
    QapiStruct bridge = schema.struct("PciBridgeInfo").orElseThrow();
    QapiMember bus = bridge.members().getFirst();
    assertThat(bus.name()).isEqualTo("bus");
    assertThat(bus.type()).isInstanceOf(AnonymousStruct.class);
    assertThat(((AnonymousStruct) bus.type()).members())
        .extracting(QapiMember::name, member -> member.type().describe())
        .containsExactly(
            tuple("number", "int"),
            tuple("secondary", "int"),
            tuple("subordinate", "int"),
            tuple("io_range", "PciMemoryRange"),
            tuple("memory_range", "PciMemoryRange"),
            tuple("prefetchable_range", "PciMemoryRange"));
    assertThat(bridge.members().get(1))
        .isEqualTo(new QapiMember("devices", new ListOf(new Named("PciDeviceInfo")), true));

    QapiStruct device = schema.struct("PciDeviceInfo").orElseThrow();
    QapiType classInfo = memberType(device, "class_info");
    assertThat(classInfo)
        .isEqualTo(
            new AnonymousStruct(
                List.of(
                    new QapiMember("desc", new Builtin("str"), true),
                    new QapiMember("class", new Builtin("int"), false))));
    assertThat(memberType(device, "id"))
        .isEqualTo(
            new AnonymousStruct(
                List.of(
                    new QapiMember("device", new Builtin("int"), false),
                    new QapiMember("vendor", new Builtin("int"), false))));
    assertThat(memberType(device, "pci_bridge")).isEqualTo(new Named("PciBridgeInfo"));
  }

  @Test
  void qomGetIsHandWrittenAndReturnsAnyValue() {
    QapiCommand qomGet = schema.command("qom-get").orElseThrow();
    assertThat(qomGet.generated()).isFalse();
    assertThat(qomGet.returns()).contains(new Builtin("visitor"));
    assertThat(qomGet.arguments()).extracting(QapiMember::name).containsExactly("path", "property");
    assertThat(schema.command("qom-set").orElseThrow().generated()).isFalse();
    assertThat(schema.command("qom-list").orElseThrow().generated()).isTrue();
  }

  @Test
  void commandsCarryArgumentsAndReturnTypes() {
    QapiCommand memsave = schema.command("memsave").orElseThrow();
    assertThat(memsave.arguments())
        .containsExactly(
            new QapiMember("val", new Builtin("int"), false),
            new QapiMember("size", new Builtin("int"), false),
            new QapiMember("filename", new Builtin("str"), false),
            new QapiMember("cpu-index", new Builtin("int"), true));
    assertThat(memsave.returns()).isEmpty();
    assertThat(schema.command("query-block").orElseThrow().returns())
        .map(QapiType::describe)
        .contains("[BlockInfo]");
    assertThat(schema.command("migrate_set_downtime").orElseThrow().arguments())
        .containsExactly(new QapiMember("value", new Builtin("number"), false));
    assertThat(schema.command("quit").orElseThrow().arguments()).isEmpty();
  }

  @Test
  void optionalMembersAreMarked() {
    QapiStruct blockInfo = schema.struct("BlockInfo").orElseThrow();
    assertThat(blockInfo.members())
        .filteredOn(QapiMember::optional)
        .extracting(QapiMember::name)
        .containsExactly("inserted", "tray_open", "io-status");
    assertThat(memberType(blockInfo, "io-status")).isEqualTo(new Named("BlockDeviceIoStatus"));
  }

  @Test
  void lookupsAreEmptyForOtherKinds() {
    assertThat(schema.struct("RunState")).isEmpty();
    assertThat(schema.enumType("RunState").orElseThrow().values())
        .hasSize(13)
        .contains("running", "internal-error")
        .doesNotContain("suspended");
    assertThat(schema.command("StatusInfo")).isEmpty();
    assertThat(schema.enumType("query-status")).isEmpty();
    assertThat(schema.command("no-such-command")).isEqualTo(Optional.empty());
  }

  @Test
  void matchesTheReferenceSchemaDefinitionForDefinition() throws IOException {
    Path reference = referenceSchema();
    Assumptions.assumeTrue(
        Files.isRegularFile(reference), "reference schema not present at " + reference);

    QapiSchema fromReference = QapiSchemaParser.parse(reference);

    assertThat(schema.definitions()).isEqualTo(fromReference.definitions());
  }

  @Test
  void bundledCopyCarriesNoQemuDocumentation() throws IOException {
    String text;
    try (InputStream in = QapiSchema.class.getResourceAsStream(QapiSchema.BUNDLED_RESOURCE)) {
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    assertThat(text).doesNotContain("##").doesNotContain("Since").doesNotContain("Returns:");
  }

  private static QapiType memberType(QapiStruct struct, String name) {
    return struct.members().stream()
        .filter(member -> member.name().equals(name))
        .findFirst()
        .orElseThrow()
        .type();
  }

  /** {@code ../shared/reference/qapi-schema-1.1.json} next to the repository root. */
  private static Path referenceSchema() {
    String root = System.getProperty("maven.multiModuleProjectDirectory");
    Path start = root != null ? Path.of(root) : Path.of("").toAbsolutePath();
    for (Path dir = start.toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("pom.xml")) && Files.isDirectory(dir.resolve("qapi"))) {
        return dir.resolveSibling("shared").resolve("reference").resolve("qapi-schema-1.1.json");
      }
    }
    return start.resolveSibling("shared").resolve("reference").resolve("qapi-schema-1.1.json");
  }
}
