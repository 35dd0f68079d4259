package io.qemuoperator.qapi.codegen;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Command line of {@link JavaTypesGenerator}: {@code --package P --out DIR [--schema FILE]}.
 *
 * @param packageName the Java package of the generated types
 * @param outputDirectory the source root to write into; files go under the package's directories
 * @param schemaFile the schema to read; empty for the bundled schema
 */
public record GeneratorOptions(
    String packageName, Path outputDirectory, Optional<Path> schemaFile) {

  static final String USAGE = "usage: JavaTypesGenerator --package P --out DIR [--schema FILE]";

  /**
   * Parses the arguments.
   *
   * @throws IllegalArgumentException with the usage text if they are incomplete or unknown
   */
  public static GeneratorOptions parse(String... args) {
    String packageName = null;
    Path out = null;
    Path schema = null;
    for (int i = 0; i < args.length; i++) {
      String option = args[i];
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException("missing value after " + option + "\n" + USAGE);
      }
      String value = args[++i];
      switch (option) {
        case "--package" -> packageName = value;
        case "--out" -> out = Path.of(value);
        case "--schema" -> schema = Path.of(value);
        default -> throw new IllegalArgumentException("unknown option " + option + "\n" + USAGE);
      }
    }
    if (packageName == null || out == null) {
      throw new IllegalArgumentException("--package and --out are required\n" + USAGE);
    }
    if (!packageName.matches("[a-zA-Z_][a-zA-Z0-9_]*(\\.[a-zA-Z_][a-zA-Z0-9_]*)*")) {
      throw new IllegalArgumentException("not a Java package name: " + packageName);
    }
    return new GeneratorOptions(packageName, out, Optional.ofNullable(schema));
  }
}
