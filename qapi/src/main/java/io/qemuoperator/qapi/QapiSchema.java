package io.qemuoperator.qapi;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A parsed QAPI schema: its definitions in declaration order, with every type name resolved.
 *
 * <p>Build one with {@link QapiSchemaParser}, or use {@link #bundled()} for the project's own copy
 * of the QEMU 1.1 schema. Lookups by name go through an index built once (the sidecar looks up a
 * command on every request).
 */
public final class QapiSchema {

  /** Classpath location of the schema shipped with this module. */
  public static final String BUNDLED_RESOURCE = "/io/qemuoperator/qapi/qapi-schema.json";

  private final List<QapiDefinition> definitions;
  private final Map<String, List<QapiDefinition>> byName = new HashMap<>();

  public QapiSchema(List<QapiDefinition> definitions) {
    this.definitions = List.copyOf(definitions);
    for (QapiDefinition definition : this.definitions) {
      byName.computeIfAbsent(definition.name(), name -> new ArrayList<>(1)).add(definition);
    }
  }

  /** Every definition, in declaration order. */
  public List<QapiDefinition> definitions() {
    return definitions;
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

  /** The first definition of that kind and name, in declaration order. */
  private <T extends QapiDefinition> Optional<T> find(Class<T> kind, String name) {
    for (QapiDefinition definition : byName.getOrDefault(name, List.of())) {
      if (kind.isInstance(definition)) {
        return Optional.of(kind.cast(definition));
      }
    }
    return Optional.empty();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof QapiSchema schema && definitions.equals(schema.definitions);
  }

  @Override
  public int hashCode() {
    return Objects.hash(definitions);
  }

  @Override
  public String toString() {
    return "QapiSchema[definitions=" + definitions + "]";
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
