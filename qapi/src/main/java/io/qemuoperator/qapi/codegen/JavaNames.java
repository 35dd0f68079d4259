package io.qemuoperator.qapi.codegen;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * How QAPI names become Java names. The rules, applied in this order:
 *
 * <ol>
 *   <li>A wire name is split into words at every character that is not a letter or digit ({@code
 *       thread_id}, {@code io-status}).
 *   <li>Members become camelCase: every word lower-cased, words after the first capitalised ({@code
 *       thread_id} → {@code threadId}, {@code io-status} → {@code ioStatus}, {@code CPU} → {@code
 *       cpu}). A name starting with a digit is prefixed with {@code _}.
 *   <li>A Java keyword or literal, or a name a record may not give a component ({@code hashCode},
 *       {@code toString}, ...), gets a trailing {@code _} ({@code package} → {@code package_},
 *       {@code class} → {@code class_}).
 *   <li>Collisions within one record are settled in declaration order: the first member keeps the
 *       name, the next ones get {@code 2}, {@code 3}, ... appended (CpuInfo's {@code pc} → {@code
 *       pc}, {@code PC} → {@code pc2}).
 *   <li>Types and nested records are PascalCase: each word capitalised, the rest lower-cased
 *       ({@code class_info} → {@code ClassInfo}); a QAPI type name that is already a Java
 *       identifier is kept as written ({@code VersionInfo}).
 *   <li>Enum constants are UPPER_SNAKE ({@code internal-error} → {@code INTERNAL_ERROR}), with the
 *       same digit prefix and {@code _2}, {@code _3} suffixes on collision.
 * </ol>
 */
public final class JavaNames {
  private static final Set<String> KEYWORDS =
      Set.of(
          "abstract",
          "assert",
          "boolean",
          "break",
          "byte",
          "case",
          "catch",
          "char",
          "class",
          "const",
          "continue",
          "default",
          "do",
          "double",
          "else",
          "enum",
          "extends",
          "final",
          "finally",
          "float",
          "for",
          "goto",
          "if",
          "implements",
          "import",
          "instanceof",
          "int",
          "interface",
          "long",
          "native",
          "new",
          "package",
          "private",
          "protected",
          "public",
          "return",
          "short",
          "static",
          "strictfp",
          "super",
          "switch",
          "synchronized",
          "this",
          "throw",
          "throws",
          "transient",
          "try",
          "void",
          "volatile",
          "while",
          "true",
          "false",
          "null",
          "_",
          "var",
          "yield",
          "record",
          "sealed",
          "permits",
          "non-sealed");

  /** Names of methods every record has, which no record component may take. */
  private static final Set<String> RECORD_RESERVED =
      Set.of(
          "clone", "finalize", "getClass", "hashCode", "notify", "notifyAll", "toString", "wait");

  private JavaNames() {}

  /** The camelCase component name for a wire name, before collisions are settled. */
  public static String member(String wireName) {
    List<String> words = words(wireName);
    StringBuilder name = new StringBuilder();
    for (String word : words) {
      String lower = word.toLowerCase(Locale.ROOT);
      name.append(name.isEmpty() ? lower : capitalize(lower));
    }
    String result = leadingDigitSafe(name.toString());
    return KEYWORDS.contains(result) || RECORD_RESERVED.contains(result) ? result + "_" : result;
  }

  /** The PascalCase name for a QAPI type, command or anonymous member. */
  public static String type(String qapiName) {
    if (qapiName.matches("[A-Z][A-Za-z0-9]*")) {
      return qapiName;
    }
    StringBuilder name = new StringBuilder();
    for (String word : words(qapiName)) {
      name.append(capitalize(word.toLowerCase(Locale.ROOT)));
    }
    return leadingDigitSafe(name.toString());
  }

  /** The UPPER_SNAKE constant name for an enum value, before collisions are settled. */
  public static String constant(String wireValue) {
    return leadingDigitSafe(String.join("_", words(wireValue)).toUpperCase(Locale.ROOT));
  }

  /**
   * {@code candidate}, or the first of {@code candidate + separator + 2}, {@code ... 3}, ... that
   * is not in {@code taken}.
   */
  public static String unique(String candidate, Set<String> taken, String separator) {
    if (!taken.contains(candidate)) {
      return candidate;
    }
    for (int n = 2; ; n++) {
      String next = candidate + separator + n;
      if (!taken.contains(next)) {
        return next;
      }
    }
  }

  private static List<String> words(String name) {
    List<String> words = new ArrayList<>();
    for (String word : name.split("[^A-Za-z0-9]+")) {
      if (!word.isEmpty()) {
        words.add(word);
      }
    }
    if (words.isEmpty()) {
      throw new IllegalArgumentException("QAPI name '" + name + "' has no letters or digits");
    }
    return words;
  }

  private static String leadingDigitSafe(String name) {
    return Character.isDigit(name.charAt(0)) ? "_" + name : name;
  }

  private static String capitalize(String word) {
    return Character.toUpperCase(word.charAt(0)) + word.substring(1);
  }
}
