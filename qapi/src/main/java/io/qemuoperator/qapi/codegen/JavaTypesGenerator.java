package io.qemuoperator.qapi.codegen;

import io.qemuoperator.qapi.QapiCommand;
import io.qemuoperator.qapi.QapiDefinition;
import io.qemuoperator.qapi.QapiEnum;
import io.qemuoperator.qapi.QapiSchema;
import io.qemuoperator.qapi.QapiSchemaParser;
import io.qemuoperator.qapi.QapiStruct;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Generates Java types from a QAPI schema: a record per struct, an enum per enum and a record
 * {@code <Command>Arguments} per command that takes arguments (naming rules in {@link JavaNames}).
 *
 * <p>Run as {@code JavaTypesGenerator --package P --out DIR [--schema FILE]}; without {@code
 * --schema} it reads the bundled schema. Output is deterministic, and files are rewritten only when
 * their content changes. The only files it deletes are earlier generated files (recognised by
 * {@link GeneratedFile#HEADER}) in the package's own directory under {@code --out} that the schema
 * no longer produces.
 */
public final class JavaTypesGenerator {
  private final QapiSchema schema;
  private final String packageName;

  public JavaTypesGenerator(QapiSchema schema, String packageName) {
    this.schema = schema;
    this.packageName = packageName;
  }

  /**
   * Command-line entry point. Errors are thrown rather than ending the JVM, since the build runs
   * this in Maven's own process.
   */
  public static void main(String[] args) throws IOException {
    GeneratorOptions options = GeneratorOptions.parse(args);
    QapiSchema schema =
        options.schemaFile().isPresent()
            ? QapiSchemaParser.parse(options.schemaFile().get())
            : QapiSchema.bundled();
    List<Path> written =
        new JavaTypesGenerator(schema, options.packageName()).writeTo(options.outputDirectory());
    System.out.println(
        "JavaTypesGenerator: " + written.size() + " types in " + options.outputDirectory());
  }

  /** The source files for the whole schema, in declaration order. */
  public List<GeneratedFile> generate() {
    Map<String, String> typeNames = typeNames();
    RecordSourceWriter records =
        new RecordSourceWriter(packageName, Set.copyOf(typeNames.values()));
    EnumSourceWriter enums = new EnumSourceWriter(packageName);
    List<GeneratedFile> files = new ArrayList<>();
    for (QapiDefinition definition : schema.definitions()) {
      String typeName = typeNames.get(key(definition));
      switch (definition) {
        case QapiStruct struct -> files.add(records.struct(struct, typeName));
        case QapiEnum qapiEnum -> files.add(enums.enumType(qapiEnum, typeName));
        case QapiCommand command -> {
          if (typeName != null) {
            files.add(records.arguments(command, typeName));
          }
        }
      }
    }
    return files;
  }

  /**
   * Writes every file under {@code sourceRoot} and removes stale generated files of the package.
   *
   * @return the paths of all files of this generation, in declaration order
   */
  public List<Path> writeTo(Path sourceRoot) throws IOException {
    Path packageDir = sourceRoot.resolve(packageName.replace('.', '/'));
    Files.createDirectories(packageDir);
    List<Path> paths = new ArrayList<>();
    for (GeneratedFile file : generate()) {
      Path path = packageDir.resolve(file.typeName() + ".java");
      byte[] content = file.content().getBytes(StandardCharsets.UTF_8);
      if (!Files.isRegularFile(path) || !Arrays.equals(Files.readAllBytes(path), content)) {
        Files.write(path, content);
      }
      paths.add(path);
    }
    removeStale(packageDir, Set.copyOf(paths));
    return paths;
  }

  private static void removeStale(Path packageDir, Set<Path> current) throws IOException {
    try (Stream<Path> entries = Files.list(packageDir)) {
      for (Path path : entries.filter(p -> p.toString().endsWith(".java")).toList()) {
        if (!current.contains(path) && Files.isRegularFile(path) && isGenerated(path)) {
          Files.delete(path);
        }
      }
    }
  }

  private static boolean isGenerated(Path path) {
    try (Stream<String> lines = Files.lines(path, StandardCharsets.UTF_8)) {
      return lines.findFirst().filter(GeneratedFile.HEADER::equals).isPresent();
    } catch (IOException | UncheckedIOException e) {
      return false;
    }
  }

  /** Java type name per definition; commands without arguments get none. */
  private Map<String, String> typeNames() {
    Map<String, String> names = new LinkedHashMap<>();
    Map<String, String> owners = new HashMap<>();
    for (QapiDefinition definition : schema.definitions()) {
      String javaName =
          switch (definition) {
            case QapiCommand command ->
                command.arguments().isEmpty() ? null : JavaNames.type(command.name()) + "Arguments";
            default -> JavaNames.type(definition.name());
          };
      if (javaName == null) {
        continue;
      }
      String previous = owners.putIfAbsent(javaName.toLowerCase(Locale.ROOT), key(definition));
      if (previous != null) {
        throw new IllegalArgumentException(
            "QAPI definitions "
                + previous
                + " and "
                + key(definition)
                + " both map to Java type "
                + javaName);
      }
      names.put(key(definition), javaName);
    }
    return names;
  }

  private static String key(QapiDefinition definition) {
    String kind =
        switch (definition) {
          case QapiStruct struct -> "struct";
          case QapiEnum qapiEnum -> "enum";
          case QapiCommand command -> "command";
        };
    return kind + " '" + definition.name() + "'";
  }
}
