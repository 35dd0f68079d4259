package io.qemuoperator.qapi;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * A parsed QAPI schema: its definitions in declaration order, with every type name resolved.
 *
 * <p>Build one with {@link QapiSchemaParser}, or use {@link #bundled()} for the project's own copy
 * of the QEMU 1.1 schema.
 */
public record QapiSchema(List<QapiDefinition> definitions) {

  /** Classpath location of the schema shipped with this module. */
  public static final String BUNDLED_RESOURCE = "/io/qemuoperator/qapi/qapi-schema.json";

  public QapiSchema {
    definitions = List.copyOf(definitions);
  }

  /** The project's copy of the QEMU 1.1 schema, parsed once. */
  public static QapiSchema bundled() {
    return BundledSchema.SCHEMA;
  }

  /** The structs, in declaration order. */
  public List<QapiStruct> structs() {
    return ofKind(QapiStruct.class);
  }

  /** The enums, in declaration order. */
  public List<QapiEnum> enums() {
    return ofKind(QapiEnum.class);
  }

  /** The commands, in declaration order. */
  public List<QapiCommand> commands() {
    return ofKind(QapiCommand.class);
  }

  public Optional<QapiCommand> command(String name) {
    return find(QapiCommand.class, name);
  }

  public Optional<QapiStruct> struct(String name) {
    return find(QapiStruct.class, name);
  }

  public Optional<QapiEnum> enumType(String name) {
    return find(QapiEnum.class, name);
  }

  private <T extends QapiDefinition> List<T> ofKind(Class<T> kind) {
    return definitions.stream().filter(kind::isInstance).map(kind::cast).toList();
  }

  private <T extends QapiDefinition> Optional<T> find(Class<T> kind, String name) {
    return definitions.stream()
        .filter(kind::isInstance)
        .map(kind::cast)
        .filter(definition -> definition.name().equals(name))
        .findFirst();
  }

  /** Holds the bundled schema; the JVM initialises it on first use, exactly once. */
  private static final class BundledSchema {
    static final QapiSchema SCHEMA = load();

    private static QapiSchema load() {
      try (InputStream in = QapiSchema.class.getResourceAsStream(BUNDLED_RESOURCE)) {
        if (in == null) {
          throw new IllegalStateException("Missing classpath resource " + BUNDLED_RESOURCE);
        }
        return QapiSchemaParser.parse(
            BUNDLED_RESOURCE, new String(in.readAllBytes(), StandardCharsets.UTF_8));
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot read " + BUNDLED_RESOURCE, e);
      }
    }
  }
}
