package io.qemuoperator.qapi.codegen;

import io.qemuoperator.qapi.QapiCommand;
import io.qemuoperator.qapi.QapiMember;
import io.qemuoperator.qapi.QapiStruct;
import io.qemuoperator.qapi.QapiType;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Writes a Java record for a QAPI struct or for a command's arguments. Anonymous structs become
 * nested records named after their member ({@code VersionInfo.qemu} → {@code VersionInfo.Qemu}).
 *
 * <p>Type mapping: {@code int} and the sized integers up to {@code uint32} → {@code long} ({@code
 * Long} when optional or in a list), {@code uint64} and {@code size} → {@code BigInteger}, {@code
 * number} → {@code double}/{@code Double}, {@code bool} → {@code boolean}/{@code Boolean}, {@code
 * str} → {@code String}, {@code visitor} and {@code any} → {@code JsonNode}, {@code ['T']} → {@code
 * List<T>}, a struct or enum → its generated type.
 */
final class RecordSourceWriter {
  private static final String ANNOTATIONS =
      "@JsonIgnoreProperties(ignoreUnknown = true)\n@JsonInclude(JsonInclude.Include.NON_NULL)\n";

  private final String packageName;
  private final Set<String> topLevelNames;

  /**
   * @param topLevelNames every top-level type name generated into the package, which nested records
   *     must not shadow
   */
  RecordSourceWriter(String packageName, Set<String> topLevelNames) {
    this.packageName = packageName;
    this.topLevelNames = Set.copyOf(topLevelNames);
  }

  GeneratedFile struct(QapiStruct struct, String typeName) {
    return file(typeName, "QAPI struct {@code " + struct.name() + "}.", struct.members());
  }

  GeneratedFile arguments(QapiCommand command, String typeName) {
    return file(
        typeName,
        "Arguments of the QAPI command {@code " + command.name() + "}.",
        command.arguments());
  }

  private GeneratedFile file(String typeName, String summary, List<QapiMember> members) {
    Imports imports = new Imports();
    StringBuilder body = new StringBuilder();
    record(body, "", typeName, summary, members, Set.of(typeName), imports);

    StringBuilder out = new StringBuilder();
    out.append(GeneratedFile.HEADER).append("\n");
    out.append("package ").append(packageName).append(";\n\n");
    out.append("import com.fasterxml.jackson.annotation.JsonIgnoreProperties;\n");
    out.append("import com.fasterxml.jackson.annotation.JsonInclude;\n");
    out.append("import com.fasterxml.jackson.annotation.JsonProperty;\n");
    if (imports.jsonNode) {
      out.append("import com.fasterxml.jackson.databind.JsonNode;\n");
    }
    if (imports.bigInteger) {
      out.append("import java.math.BigInteger;\n");
    }
    if (imports.list) {
      out.append("import java.util.List;\n");
    }
    out.append("\n").append(body);
    return new GeneratedFile(typeName, out.toString());
  }

  private void record(
      StringBuilder out,
      String indent,
      String recordName,
      String summary,
      List<QapiMember> members,
      Set<String> enclosingNames,
      Imports imports) {
    Set<String> componentNames = new HashSet<>();
    Set<String> typeNamesInScope = new HashSet<>(topLevelNames);
    typeNamesInScope.addAll(enclosingNames);
    typeNamesInScope.addAll(Set.of("List", "JsonNode", "BigInteger", "String", "Long", "Double"));
    typeNamesInScope.addAll(Set.of("Boolean", "Object", "Override", "Deprecated"));
    typeNamesInScope.addAll(
        Set.of("JsonProperty", "JsonInclude", "JsonIgnoreProperties", "SuppressWarnings"));

    List<Component> components = new ArrayList<>();
    for (QapiMember member : members) {
      String javaName = JavaNames.unique(JavaNames.member(member.name()), componentNames, "");
      componentNames.add(javaName);
      String nestedName = null;
      if (containsAnonymous(member.type())) {
        nestedName = JavaNames.unique(JavaNames.type(member.name()), typeNamesInScope, "");
        typeNamesInScope.add(nestedName);
      }
      String javaType = javaType(member.type(), member.optional(), nestedName, imports);
      components.add(new Component(member, javaName, javaType, nestedName));
    }

    out.append(indent).append("/**\n");
    out.append(indent).append(" * ").append(summary).append("\n");
    if (!components.isEmpty()) {
      out.append(indent).append(" *\n");
    }
    for (Component component : components) {
      QapiMember member = component.member();
      out.append(indent)
          .append(" * @param ")
          .append(component.javaName())
          .append(" {@code ")
          .append(member.name())
          .append("}: ")
          .append(member.type().describe().replace("[", "list of ").replace("]", ""))
          .append(member.optional() ? ", optional" : "")
          .append("\n");
    }
    out.append(indent).append(" */\n");
    out.append(indent(ANNOTATIONS, indent));
    out.append(indent).append("public record ").append(recordName).append("(");
    for (int i = 0; i < components.size(); i++) {
      Component component = components.get(i);
      out.append("\n").append(indent).append("    @JsonProperty(\"");
      out.append(escape(component.member().name())).append("\") ");
      out.append(component.javaType()).append(" ").append(component.javaName());
      out.append(i + 1 < components.size() ? "," : "");
    }
    out.append(")");

    List<Component> nested = components.stream().filter(c -> c.nestedName() != null).toList();
    if (nested.isEmpty()) {
      out.append(" {}\n");
      return;
    }
    out.append(" {\n");
    Set<String> nestedEnclosing = new HashSet<>(enclosingNames);
    nested.forEach(component -> nestedEnclosing.add(component.nestedName()));
    for (Component component : nested) {
      out.append("\n");
      record(
          out,
          indent + "  ",
          component.nestedName(),
          "The anonymous struct of member {@code " + component.member().name() + "}.",
          anonymousMembers(component.member().type()),
          nestedEnclosing,
          imports);
    }
    out.append(indent).append("}\n");
  }

  private String javaType(QapiType type, boolean boxed, String nestedName, Imports imports) {
    return switch (type) {
      case QapiType.Builtin builtin -> builtinType(builtin.name(), boxed, imports);
      case QapiType.Named named -> JavaNames.type(named.name());
      case QapiType.AnonymousStruct anonymous -> nestedName;
      case QapiType.ListOf list -> {
        imports.list = true;
        yield "List<" + javaType(list.element(), true, nestedName, imports) + ">";
      }
    };
  }

  private static String builtinType(String name, boolean boxed, Imports imports) {
    return switch (name) {
      case "str" -> "String";
      case "bool" -> boxed ? "Boolean" : "boolean";
      case "number" -> boxed ? "Double" : "double";
      case "visitor", "any" -> {
        imports.jsonNode = true;
        yield "JsonNode";
      }
      case "uint64", "size" -> {
        imports.bigInteger = true;
        yield "BigInteger";
      }
      default -> boxed ? "Long" : "long";
    };
  }

  private static boolean containsAnonymous(QapiType type) {
    return switch (type) {
      case QapiType.AnonymousStruct anonymous -> true;
      case QapiType.ListOf list -> containsAnonymous(list.element());
      default -> false;
    };
  }

  private static List<QapiMember> anonymousMembers(QapiType type) {
    return switch (type) {
      case QapiType.AnonymousStruct anonymous -> anonymous.members();
      case QapiType.ListOf list -> anonymousMembers(list.element());
      default -> throw new IllegalStateException("not an anonymous struct: " + type.describe());
    };
  }

  private static String indent(String lines, String indent) {
    return indent.isEmpty() ? lines : indent + lines.replace("\n", "\n" + indent).strip() + "\n";
  }

  static String escape(String text) {
    return text.replace("\\", "\\\\").replace("\"", "\\\"");
  }

  private record Component(
      QapiMember member, String javaName, String javaType, String nestedName) {}

  /** Which optional imports the file needs; one instance per generated file. */
  private static final class Imports {
    boolean list;
    boolean jsonNode;
    boolean bigInteger;
  }
}
