package io.qemuoperator.qapi.codegen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qemuoperator.qapi.QapiSchema;
import io.qemuoperator.qapi.QapiSchemaParser;
import java.io.File;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Generates the bundled schema's types, compiles them and reads real QEMU 7.2 replies with them.
 */
class JavaTypesGeneratorTest {
  private static final String PACKAGE = "io.qemuoperator.generated.types";
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path work;
  private static URLClassLoader loader;
  private static List<Diagnostic<? extends JavaFileObject>> diagnostics;

  @BeforeAll
  static void generateAndCompile() throws IOException {
    Path sources = work.resolve("src");
    Path classes = Files.createDirectories(work.resolve("classes"));
    JavaTypesGenerator.main(new String[] {"--package", PACKAGE, "--out", sources.toString()});

    JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
    DiagnosticCollector<JavaFileObject> collector = new DiagnosticCollector<>();
    List<File> files;
    try (Stream<Path> walk = Files.walk(sources)) {
      files = walk.filter(p -> p.toString().endsWith(".java")).map(Path::toFile).toList();
    }
    try (StandardJavaFileManager fileManager =
        compiler.getStandardFileManager(collector, Locale.ROOT, StandardCharsets.UTF_8)) {
      Boolean compiled =
          compiler
              .getTask(
                  null,
                  fileManager,
                  collector,
                  List.of(
                      "-Xlint:all",
                      "--release",
                      "21",
                      "-classpath",
                      System.getProperty("java.class.path"),
                      "-d",
                      classes.toString()),
                  null,
                  fileManager.getJavaFileObjectsFromFiles(files))
              .call();
      diagnostics = collector.getDiagnostics();
      assertThat(compiled).as("compilation: %s", diagnostics).isTrue();
    }
    loader =
        new URLClassLoader(
            new java.net.URL[] {classes.toUri().toURL()},
            JavaTypesGeneratorTest.class.getClassLoader());
  }

  private static Class<?> type(String simpleName) throws ClassNotFoundException {
    return loader.loadClass(PACKAGE + "." + simpleName);
  }

  private static Object read(String simpleName, String json) throws Exception {
    return JSON.readValue(json, type(simpleName));
  }

  private static Object component(Object record, String name) throws Exception {
    for (RecordComponent component : record.getClass().getRecordComponents()) {
      if (component.getName().equals(name)) {
        return component.getAccessor().invoke(record);
      }
    }
    throw new AssertionError(record.getClass().getSimpleName() + " has no component " + name);
  }

  private static List<String> componentNames(Class<?> type) {
    return Stream.of(type.getRecordComponents()).map(RecordComponent::getName).toList();
  }

  @Test
  void compilesWithoutWarnings() {
    assertThat(diagnostics).isEmpty();
  }

  @Test
  void writesOneFilePerStructEnumAndCommandWithArguments() throws IOException {
    QapiSchema schema = QapiSchema.bundled();
    long commandsWithArguments =
        schema.commands().stream().filter(c -> !c.arguments().isEmpty()).count();
    try (Stream<Path> files = Files.list(work.resolve("src/io/qemuoperator/generated/types"))) {
      assertThat(files.count()).isEqualTo(26 + 2 + commandsWithArguments);
    }
    assertThat(commandsWithArguments).isEqualTo(23);
  }

  @Test
  void readsQueryStatusWithAKnownAndAnUnknownRunState() throws Exception {
    Object running =
        read("StatusInfo", "{\"status\": \"running\", \"singlestep\": false, \"running\": true}");
    Class<?> runState = type("RunState");
    assertThat(component(running, "status")).isEqualTo(runState.getField("RUNNING").get(null));
    assertThat(component(running, "running")).isEqualTo(true);

    Object suspended =
        read(
            "StatusInfo", "{\"status\": \"suspended\", \"singlestep\": false, \"running\": false}");
    Object unknown = component(suspended, "status");
    assertThat(unknown).isEqualTo(runState.getField("UNKNOWN").get(null));
    assertThat(runState.getMethod("wireName").invoke(unknown)).isNull();
  }

  @Test
  void enumsMapWireNamesBothWays() throws Exception {
    Class<?> runState = type("RunState");
    Object internalError = runState.getField("INTERNAL_ERROR").get(null);

    assertThat(runState.getMethod("wireName").invoke(internalError)).isEqualTo("internal-error");
    assertThat(runState.getMethod("fromWire", String.class).invoke(null, "internal-error"))
        .isEqualTo(internalError);
    assertThat(JSON.writeValueAsString(internalError)).isEqualTo("\"internal-error\"");
    assertThat(runState.getEnumConstants()).hasSize(14);
  }

  @Test
  void readsQueryVersionWithItsNestedQemuRecordAndPackage() throws Exception {
    Object version =
        read(
            "VersionInfo",
            "{\"qemu\": {\"micro\": 22, \"minor\": 2, \"major\": 7},"
                + " \"package\": \"Debian 1:7.2+dfsg-7+deb12u18+b3\"}");

    assertThat(component(version, "package_")).isEqualTo("Debian 1:7.2+dfsg-7+deb12u18+b3");
    Object qemu = component(version, "qemu");
    assertThat(qemu.getClass().getName()).isEqualTo(PACKAGE + ".VersionInfo$Qemu");
    assertThat(component(qemu, "major")).isEqualTo(7L);
    assertThat(component(qemu, "minor")).isEqualTo(2L);
    assertThat(component(qemu, "micro")).isEqualTo(22L);
  }

  @Test
  void namesComponentsInCamelCaseAndSettlesCollisions() throws Exception {
    assertThat(componentNames(type("CpuInfo")))
        .containsExactly("cpu", "current", "halted", "pc", "nip", "npc", "pc2", "threadId");
    assertThat(componentNames(type("BlockInfo")))
        .containsExactly(
            "device", "type", "removable", "locked", "inserted", "trayOpen", "ioStatus");
    assertThat(componentNames(type("UuidInfo"))).containsExactly("uuid");
    assertThat(componentNames(type("PciDeviceInfo$ClassInfo"))).containsExactly("desc", "class_");
  }

  @Test
  void readsQueryCpusFastStyleRepliesIgnoringUnknownFields() throws Exception {
    Object cpu =
        read(
            "CpuInfo",
            "{\"thread-id\": 16188, \"props\": {\"core-id\": 0}, \"qom-path\":"
                + " \"/machine/unattached/device[0]\", \"cpu-index\": 0, \"target\": \"x86_64\","
                + " \"CPU\": 1, \"PC\": 4294967280, \"thread_id\": 16189}");

    assertThat(component(cpu, "cpu")).isEqualTo(1L);
    assertThat(component(cpu, "pc2")).isEqualTo(4294967280L);
    assertThat(component(cpu, "pc")).isNull();
    assertThat(component(cpu, "threadId")).isEqualTo(16189L);
  }

  @Test
  void readsQueryBlockWithOptionalMembersEnumsAndListsOfRecords() throws Exception {
    JsonNode reply =
        JSON.readTree(
            """
            [{"device": "drive0", "type": "unknown", "removable": false, "locked": false,
              "qdev": "/machine/peripheral/disk0/virtio-backend", "io-status": "ok",
              "inserted": {"file": "/w/disk.qcow2", "ro": false, "drv": "qcow2",
                "encrypted": false, "bps": 10485760, "bps_rd": 0, "bps_wr": 0, "iops": 0,
                "iops_rd": 0, "iops_wr": 0, "backing_file_depth": 0, "group": "drive0"}},
             {"device": "cd0", "type": "unknown", "removable": true, "locked": false,
              "tray_open": true, "qdev": "cddev0"}]
            """);
    Object[] blocks =
        (Object[])
            JSON.treeToValue(
                reply, java.lang.reflect.Array.newInstance(type("BlockInfo"), 0).getClass());

    assertThat(blocks).hasSize(2);
    assertThat(component(blocks[0], "ioStatus"))
        .isEqualTo(type("BlockDeviceIoStatus").getField("OK").get(null));
    assertThat(component(component(blocks[0], "inserted"), "bps")).isEqualTo(10485760L);
    assertThat(component(component(blocks[0], "inserted"), "backingFile")).isNull();
    assertThat(component(blocks[1], "trayOpen")).isEqualTo(true);
    assertThat(component(blocks[1], "inserted")).isNull();
  }

  @Test
  void readsQueryPciNestedAnonymousStructsAndRecursiveTypes() throws Exception {
    Object pci =
        read(
            "PciInfo",
            """
            {"bus": 0, "devices": [
              {"bus": 0, "slot": 2, "function": 0, "irq_pin": 1, "qdev_id": "balloon0",
               "class_info": {"class": 255}, "id": {"device": 4098, "vendor": 6900},
               "regions": [{"bar": 0, "type": "io", "address": 49280, "size": 32}]},
              {"bus": 0, "slot": 30, "function": 0, "qdev_id": "",
               "class_info": {"desc": "PCI bridge", "class": 1540},
               "id": {"device": 1, "vendor": 2}, "regions": [],
               "pci_bridge": {"bus": {"number": 1, "secondary": 1, "subordinate": 1,
                 "io_range": {"base": 0, "limit": 1}, "memory_range": {"base": 2, "limit": 3},
                 "prefetchable_range": {"base": 4, "limit": 5}}, "devices": []}}]}
            """);

    List<?> devices = (List<?>) component(pci, "devices");
    assertThat(devices).hasSize(2);
    Object balloon = devices.get(0);
    assertThat(component(component(balloon, "classInfo"), "class_")).isEqualTo(255L);
    assertThat(component(component(balloon, "classInfo"), "desc")).isNull();
    assertThat(component(component(balloon, "id"), "vendor")).isEqualTo(6900L);
    assertThat(component(((List<?>) component(balloon, "regions")).getFirst(), "size"))
        .isEqualTo(32L);
    Object bridge = component(devices.get(1), "pciBridge");
    Object bus = component(bridge, "bus");
    assertThat(bus.getClass().getName()).isEqualTo(PACKAGE + ".PciBridgeInfo$Bus");
    assertThat(component(component(bus, "prefetchableRange"), "limit")).isEqualTo(5L);
  }

  @Test
  void argumentRecordsSerialiseToTheWireNames() throws Exception {
    Class<?> resize = type("BlockResizeArguments");
    Object arguments =
        resize.getDeclaredConstructor(String.class, long.class).newInstance("drive0", 134217728L);
    assertThat(JSON.writeValueAsString(arguments))
        .isEqualTo("{\"device\":\"drive0\",\"size\":134217728}");

    Class<?> memsave = type("MemsaveArguments");
    Object withoutCpu =
        memsave
            .getDeclaredConstructor(long.class, long.class, String.class, Long.class)
            .newInstance(0L, 4096L, "/tmp/m.bin", null);
    assertThat(JSON.writeValueAsString(withoutCpu))
        .isEqualTo("{\"val\":0,\"size\":4096,\"filename\":\"/tmp/m.bin\"}");

    assertThat(type("MigrateSetDowntimeArguments").getRecordComponents()[0].getType())
        .isEqualTo(double.class);
    assertThat(type("QomSetArguments").getRecordComponents()[2].getType())
        .isEqualTo(JsonNode.class);
  }

  @Test
  void outputIsDeterministic() {
    JavaTypesGenerator generator = new JavaTypesGenerator(QapiSchema.bundled(), PACKAGE);

    assertThat(generator.generate()).isEqualTo(generator.generate());
    assertThat(generator.generate().getFirst().content())
        .startsWith(GeneratedFile.HEADER + "\npackage " + PACKAGE + ";\n")
        .contains("/**\n * QAPI struct {@code NameInfo}.");
  }

  @Test
  void removesOnlyItsOwnStaleFilesInsideThePackageDirectory(@TempDir Path out) throws IOException {
    QapiSchema first =
        QapiSchemaParser.parse(
            "v1.json", "{ 'type': 'Old', 'data': {} }\n{ 'type': 'Kept', 'data': {} }");
    QapiSchema second = QapiSchemaParser.parse("v2.json", "{ 'type': 'Kept', 'data': {} }");
    Path packageDir = out.resolve("p/q");
    new JavaTypesGenerator(first, "p.q").writeTo(out);
    Path handWritten = Files.writeString(packageDir.resolve("HandWritten.java"), "class X {}\n");
    Path elsewhere = Files.writeString(out.resolve("Other.java"), GeneratedFile.HEADER + "\n");

    List<Path> written = new JavaTypesGenerator(second, "p.q").writeTo(out);

    assertThat(written).containsExactly(packageDir.resolve("Kept.java"));
    assertThat(packageDir.resolve("Old.java")).doesNotExist();
    assertThat(handWritten).exists();
    assertThat(elsewhere).exists();
  }

  @Test
  void namesEnumConstantsAndTheFallbackWithoutCollisions() {
    QapiSchema schema =
        QapiSchemaParser.parse(
            "e.json",
            "{ 'enum': 'NetworkAddressFamily', 'data': ['ipv4', 'unix', 'unknown', '9p'] }");
    String source = new JavaTypesGenerator(schema, "p").generate().getFirst().content();

    assertThat(source)
        .contains("  IPV4(\"ipv4\"),\n")
        .contains("  UNKNOWN(\"unknown\"),\n")
        .contains("  _9P(\"9p\"),\n")
        .contains("  UNKNOWN_2(null);\n")
        .contains("return UNKNOWN_2;");
  }

  @Test
  void refusesSchemasWhoseNamesCollideInJava() {
    QapiSchema schema =
        QapiSchemaParser.parse(
            "c.json",
            "{ 'type': 'BalloonArguments', 'data': {} }\n"
                + "{ 'command': 'balloon', 'data': {'value': 'int'} }");

    assertThatThrownBy(() -> new JavaTypesGenerator(schema, "p").generate())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("struct 'BalloonArguments' and command 'balloon'");
  }

  @Test
  void rejectsIncompleteCommandLines() {
    assertThatThrownBy(() -> GeneratorOptions.parse("--package", "p"))
        .hasMessageContaining("--package and --out are required");
    assertThatThrownBy(() -> GeneratorOptions.parse("--out"))
        .hasMessageContaining("missing value after --out");
    assertThatThrownBy(() -> GeneratorOptions.parse("--pkg", "p", "--out", "o"))
        .hasMessageContaining("unknown option --pkg");
    assertThat(GeneratorOptions.parse("--package", "a.b", "--out", "o", "--schema", "s.json"))
        .isEqualTo(
            new GeneratorOptions("a.b", Path.of("o"), java.util.Optional.of(Path.of("s.json"))));
  }
}
