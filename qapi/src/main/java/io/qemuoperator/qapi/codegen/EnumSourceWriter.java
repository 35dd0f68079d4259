package io.qemuoperator.qapi.codegen;

import io.qemuoperator.qapi.QapiEnum;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Writes a Java enum for a QAPI enum: one UPPER_SNAKE constant per value, {@code @JsonValue
 * wireName()}, and a {@code @JsonCreator fromWire(String)} that maps values the schema does not
 * list to an extra constant {@code UNKNOWN} (named {@code UNKNOWN_2}, ... if the enum itself has a
 * value {@code unknown}), since newer QEMU adds values such as RunState's {@code suspended}. {@code
 * UNKNOWN} has no wire name: {@code wireName()} returns null and it serialises as JSON null.
 */
final class EnumSourceWriter {
  private final String packageName;

  EnumSourceWriter(String packageName) {
    this.packageName = packageName;
  }

  GeneratedFile enumType(QapiEnum qapiEnum, String typeName) {
    Set<String> taken = new HashSet<>(Set.of("VALUES", "VALUE_OF"));
    List<String> constants = new ArrayList<>();
    for (String value : qapiEnum.values()) {
      String constant = JavaNames.unique(JavaNames.constant(value), taken, "_");
      taken.add(constant);
      constants.add(constant);
    }
    String unknown = JavaNames.unique("UNKNOWN", taken, "_");

    StringBuilder out = new StringBuilder();
    out.append(GeneratedFile.HEADER).append("\n");
    out.append("package ").append(packageName).append(";\n\n");
    out.append("import com.fasterxml.jackson.annotation.JsonCreator;\n");
    out.append("import com.fasterxml.jackson.annotation.JsonValue;\n\n");
    out.append("/** QAPI enum {@code ").append(qapiEnum.name()).append("}. */\n");
    out.append("public enum ").append(typeName).append(" {\n");
    for (int i = 0; i < constants.size(); i++) {
      out.append("  ").append(constants.get(i)).append("(\"");
      out.append(RecordSourceWriter.escape(qapiEnum.values().get(i))).append("\"),\n");
    }
    out.append("  /** A value that the schema does not list; it has no wire name. */\n");
    out.append("  ").append(unknown).append("(null);\n\n");
    out.append("  private final String wireName;\n\n");
    out.append("  ").append(typeName).append("(String wireName) {\n");
    out.append("    this.wireName = wireName;\n");
    out.append("  }\n\n");
    out.append("  /** The value as QEMU writes it; null for {@link #").append(unknown);
    out.append("}. */\n");
    out.append("  @JsonValue\n");
    out.append("  public String wireName() {\n");
    out.append("    return wireName;\n");
    out.append("  }\n\n");
    out.append("  /** The constant for a wire value; {@link #").append(unknown);
    out.append("} for a value the schema does not list. */\n");
    out.append("  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)\n");
    out.append("  public static ").append(typeName).append(" fromWire(String wireName) {\n");
    out.append("    if (wireName == null) {\n");
    out.append("      return null;\n");
    out.append("    }\n");
    out.append("    for (").append(typeName).append(" value : values()) {\n");
    out.append("      if (wireName.equals(value.wireName)) {\n");
    out.append("        return value;\n");
    out.append("      }\n");
    out.append("    }\n");
    out.append("    return ").append(unknown).append(";\n");
    out.append("  }\n");
    out.append("}\n");
    return new GeneratedFile(typeName, out.toString());
  }
}
