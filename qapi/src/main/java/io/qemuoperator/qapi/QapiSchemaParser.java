package io.qemuoperator.qapi;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Parses the QAPI schema language into a {@link QapiSchema}.
 *
 * <p>The text is a sequence of top-level dictionaries, each defining a struct ({@code 'type'}, or
 * {@code 'struct'} as later QEMU writes it), an enum ({@code 'enum'}) or a command ({@code
 * 'command'}). Members whose name starts with {@code *} are optional. A member's type is a type
 * name, a one-element list {@code ['T']}, or an inline dictionary (an anonymous struct). Every type
 * name must be a builtin ({@link #BUILTIN_TYPES}) or a struct or enum defined anywhere in the
 * schema. Problems are reported as {@link QapiParseException} with line and column.
 */
public final class QapiSchemaParser {

  /**
   * Type names built into QAPI. QEMU 1.1 uses {@code str}, {@code int}, {@code number}, {@code
   * bool} and {@code visitor} (any JSON value); the sized integers, {@code size} and {@code any} of
   * later QEMU versions are accepted too.
   */
  public static final Set<String> BUILTIN_TYPES =
      Set.of(
          "str", "int", "number", "bool", "visitor", "any", "size", "int8", "int16", "int32",
          "int64", "uint8", "uint16", "uint32", "uint64");

  private static final Set<String> STRUCT_KEYS = Set.of("data");
  private static final Set<String> ENUM_KEYS = Set.of("data");
  private static final Set<String> COMMAND_KEYS = Set.of("data", "returns", "gen");

  private final String source;
  private final List<TypeReference> references = new ArrayList<>();

  private QapiSchemaParser(String source) {
    this.source = source;
  }

  /**
   * Parses schema text.
   *
   * @param source a name for the text in error messages, such as its file name
   * @throws QapiParseException if the text is not a valid schema
   */
  public static QapiSchema parse(String source, String text) {
    return new QapiSchemaParser(source).build(SchemaTextReader.read(source, text));
  }

  /** Parses a schema file (UTF-8). */
  public static QapiSchema parse(Path file) throws IOException {
    return parse(file.toString(), Files.readString(file, StandardCharsets.UTF_8));
  }

  private QapiSchema build(List<SchemaNode> expressions) {
    List<QapiDefinition> definitions = new ArrayList<>();
    Map<String, SourcePosition> declared = new HashMap<>();
    Set<String> typeNames = new HashSet<>();
    for (SchemaNode expression : expressions) {
      SchemaNode.Dict dict = asDict(expression, "a top-level definition");
      QapiDefinition definition = definition(dict);
      SourcePosition previous = declared.putIfAbsent(definition.name(), dict.at());
      if (previous != null) {
        throw error(
            dict.at(),
            "'"
                + definition.name()
                + "' is already defined at "
                + previous.line()
                + ":"
                + previous.column());
      }
      if (!(definition instanceof QapiCommand)) {
        typeNames.add(definition.name());
      }
      definitions.add(definition);
    }
    for (TypeReference reference : references) {
      if (!typeNames.contains(reference.name())) {
        throw error(
            reference.at(),
            declared.containsKey(reference.name())
                ? "'" + reference.name() + "' is a command, not a type"
                : "unknown type '" + reference.name() + "'");
      }
    }
    return new QapiSchema(definitions);
  }

  private QapiDefinition definition(SchemaNode.Dict dict) {
    List<String> kinds =
        dict.entries().keySet().stream()
            .filter(key -> Set.of("type", "struct", "enum", "command").contains(key))
            .toList();
    if (kinds.size() != 1) {
      throw error(
          dict.at(),
          kinds.isEmpty()
              ? "expected a definition with one of 'type', 'enum' or 'command', found keys "
                  + dict.entries().keySet()
              : "a definition has exactly one of 'type', 'enum' or 'command', found " + kinds);
    }
    String kind = kinds.getFirst();
    String name = name(dict.entries().get(kind).value());
    return switch (kind) {
      case "enum" -> {
        allowOnly(dict, kind, ENUM_KEYS);
        yield new QapiEnum(name, enumValues(required(dict, "data")));
      }
      case "command" -> {
        allowOnly(dict, kind, COMMAND_KEYS);
        List<QapiMember> arguments =
            Optional.ofNullable(dict.entries().get("data"))
                .map(entry -> members(asDict(entry.value(), "the 'data' of a command")))
                .orElse(List.of());
        Optional<QapiType> returns =
            Optional.ofNullable(dict.entries().get("returns")).map(entry -> type(entry.value()));
        yield new QapiCommand(name, arguments, returns, generated(dict.entries().get("gen")));
      }
      default -> {
        allowOnly(dict, kind, STRUCT_KEYS);
        yield new QapiStruct(name, members(asDict(required(dict, "data"), "the 'data' of a type")));
      }
    };
  }

  private List<QapiMember> members(SchemaNode.Dict data) {
    List<QapiMember> members = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (SchemaNode.Entry entry : data.entries().values()) {
      boolean optional = entry.key().startsWith("*");
      String name = optional ? entry.key().substring(1) : entry.key();
      if (name.isEmpty()) {
        throw error(entry.keyAt(), "empty member name");
      }
      if (!seen.add(name)) {
        throw error(entry.keyAt(), "duplicate member '" + name + "'");
      }
      members.add(new QapiMember(name, type(entry.value()), optional));
    }
    return members;
  }

  private QapiType type(SchemaNode node) {
    return switch (node) {
      case SchemaNode.Text text -> {
        if (BUILTIN_TYPES.contains(text.value())) {
          yield new QapiType.Builtin(text.value());
        }
        references.add(new TypeReference(text.value(), text.at()));
        yield new QapiType.Named(text.value());
      }
      case SchemaNode.Array array -> {
        if (array.items().size() != 1) {
          throw error(
              array.at(),
              "a list type names exactly one element type, found " + array.items().size());
        }
        yield new QapiType.ListOf(type(array.items().getFirst()));
      }
      case SchemaNode.Dict dict -> new QapiType.AnonymousStruct(members(dict));
      case SchemaNode.Flag flag -> throw error(flag.at(), "expected a type, found a boolean");
    };
  }

  private List<String> enumValues(SchemaNode node) {
    if (!(node instanceof SchemaNode.Array array)) {
      throw error(node.at(), "the 'data' of an enum must be a list, found a " + node.kind());
    }
    List<String> values = new ArrayList<>();
    for (SchemaNode item : array.items()) {
      String value = name(item);
      if (values.contains(value)) {
        throw error(item.at(), "duplicate enum value '" + value + "'");
      }
      values.add(value);
    }
    return values;
  }

  private boolean generated(SchemaNode.Entry gen) {
    if (gen == null) {
      return true;
    }
    return switch (gen.value()) {
      case SchemaNode.Flag flag -> flag.value();
      case SchemaNode.Text text when text.value().equals("no") -> false;
      case SchemaNode.Text text when text.value().equals("yes") -> true;
      default -> throw error(gen.value().at(), "'gen' must be 'no', 'yes', true or false");
    };
  }

  private String name(SchemaNode node) {
    if (node instanceof SchemaNode.Text text && !text.value().isEmpty()) {
      return text.value();
    }
    throw error(node.at(), "expected a non-empty name string, found a " + node.kind());
  }

  private SchemaNode required(SchemaNode.Dict dict, String key) {
    SchemaNode.Entry entry = dict.entries().get(key);
    if (entry == null) {
      throw error(dict.at(), "missing '" + key + "'");
    }
    return entry.value();
  }

  private void allowOnly(SchemaNode.Dict dict, String kind, Set<String> allowed) {
    for (SchemaNode.Entry entry : dict.entries().values()) {
      if (!entry.key().equals(kind) && !allowed.contains(entry.key())) {
        throw error(entry.keyAt(), "unexpected key '" + entry.key() + "' in a '" + kind + "'");
      }
    }
  }

  private SchemaNode.Dict asDict(SchemaNode node, String what) {
    if (node instanceof SchemaNode.Dict dict) {
      return dict;
    }
    throw error(node.at(), what + " must be a dictionary, found a " + node.kind());
  }

  private QapiParseException error(SourcePosition at, String problem) {
    return new QapiParseException(source, at, problem);
  }

  /** A use of a type name, checked once every definition is known. */
  private record TypeReference(String name, SourcePosition at) {}
}
