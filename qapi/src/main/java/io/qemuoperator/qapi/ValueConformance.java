package io.qemuoperator.qapi;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Walks a JSON value against a QAPI type and finds the first mismatch.
 *
 * <p>{@link Strictness#ARGUMENTS} is what QEMU enforces on input: no unknown members, integers
 * within their range, enum values among those declared. {@link Strictness#REPLY} is what a reply
 * from a newer QEMU can be held to: required members present with the right JSON type, while extra
 * members, unknown enum values and integers beyond 64 bits (QEMU answers {@code uint64} values) are
 * accepted.
 */
final class ValueConformance {

  enum Strictness {
    ARGUMENTS,
    REPLY
  }

  private static final BigInteger TWO_TO_64 = BigInteger.ONE.shiftLeft(64);
  private static final Map<String, IntegerRange> INTEGER_RANGES =
      Map.ofEntries(
          Map.entry("int", IntegerRange.signedBits(64)),
          Map.entry("int8", IntegerRange.signedBits(8)),
          Map.entry("int16", IntegerRange.signedBits(16)),
          Map.entry("int32", IntegerRange.signedBits(32)),
          Map.entry("int64", IntegerRange.signedBits(64)),
          Map.entry("uint8", IntegerRange.unsignedBits(8)),
          Map.entry("uint16", IntegerRange.unsignedBits(16)),
          Map.entry("uint32", IntegerRange.unsignedBits(32)),
          Map.entry("uint64", IntegerRange.unsignedBits(64)),
          Map.entry("size", IntegerRange.unsignedBits(64)));

  private final QapiSchema schema;
  private final Strictness strictness;

  ValueConformance(QapiSchema schema, Strictness strictness) {
    this.schema = schema;
    this.strictness = strictness;
  }

  /** The first mismatch of {@code value} (which may be null for "absent") against {@code type}. */
  Optional<Mismatch> check(QapiType type, JsonNode value, String path) {
    return switch (type) {
      case QapiType.Builtin builtin -> checkBuiltin(builtin.name(), value, path);
      case QapiType.ListOf list -> checkList(list, value, path);
      case QapiType.AnonymousStruct anonymous ->
          checkObject(anonymous.members(), type.describe(), value, path);
      case QapiType.Named named -> checkNamed(named.name(), value, path);
    };
  }

  /** The first mismatch of an object's members against {@code members}. */
  Optional<Mismatch> checkObject(
      List<QapiMember> members, String expected, JsonNode value, String path) {
    if (value == null || !value.isObject()) {
      return wrongType(expected, value, path);
    }
    Set<String> declared = new HashSet<>();
    for (QapiMember member : members) {
      declared.add(member.name());
      JsonNode memberValue = value.get(member.name());
      String memberPath = path.isEmpty() ? member.name() : path + "." + member.name();
      if (memberValue == null) {
        if (!member.optional()) {
          return Optional.of(new Mismatch(memberPath, member.type().describe(), "is missing"));
        }
        continue;
      }
      Optional<Mismatch> mismatch = check(member.type(), memberValue, memberPath);
      if (mismatch.isPresent()) {
        return mismatch;
      }
    }
    if (strictness == Strictness.ARGUMENTS) {
      for (Iterator<String> names = value.fieldNames(); names.hasNext(); ) {
        String name = names.next();
        if (!declared.contains(name)) {
          String allowed =
              members.isEmpty()
                  ? "no members"
                  : "one of " + members.stream().map(QapiMember::name).toList();
          return Optional.of(
              new Mismatch(path.isEmpty() ? name : path + "." + name, allowed, "is unexpected"));
        }
      }
    }
    return Optional.empty();
  }

  private Optional<Mismatch> checkBuiltin(String name, JsonNode value, String path) {
    boolean conforms =
        switch (name) {
          case "str" -> value.isTextual();
          case "bool" -> value.isBoolean();
          case "number" -> value.isNumber();
          case "visitor", "any" -> true;
          default -> conformsToInteger(INTEGER_RANGES.get(name), value);
        };
    return conforms ? Optional.empty() : wrongType(name, value, path);
  }

  private boolean conformsToInteger(IntegerRange range, JsonNode value) {
    if (range == null) {
      throw new IllegalStateException("No JSON rule for a builtin of the schema");
    }
    if (!value.isIntegralNumber()) {
      return false;
    }
    return strictness == Strictness.REPLY || range.contains(value.bigIntegerValue());
  }

  private Optional<Mismatch> checkList(QapiType.ListOf list, JsonNode value, String path) {
    if (!value.isArray()) {
      return wrongType(list.describe(), value, path);
    }
    for (int i = 0; i < value.size(); i++) {
      Optional<Mismatch> mismatch = check(list.element(), value.get(i), path + "[" + i + "]");
      if (mismatch.isPresent()) {
        return mismatch;
      }
    }
    return Optional.empty();
  }

  private Optional<Mismatch> checkNamed(String name, JsonNode value, String path) {
    Optional<QapiEnum> enumType = schema.enumType(name);
    if (enumType.isPresent()) {
      List<String> values = enumType.get().values();
      boolean known = value.isTextual() && values.contains(value.textValue());
      if (known || (strictness == Strictness.REPLY && value.isTextual())) {
        return Optional.empty();
      }
      String expected = strictness == Strictness.REPLY ? name : "one of " + values;
      return wrongType(expected, value, path);
    }
    QapiStruct struct =
        schema.struct(name).orElseThrow(() -> new IllegalStateException("Unresolved type " + name));
    return checkObject(struct.members(), name, value, path);
  }

  private static Optional<Mismatch> wrongType(String expected, JsonNode value, String path) {
    return Optional.of(
        new Mismatch(
            path, expected, "expects " + expected + ", got " + JsonValueDescription.of(value)));
  }

  /** Inclusive bounds of an integer builtin. */
  private record IntegerRange(BigInteger min, BigInteger max) {
    static IntegerRange signedBits(int bits) {
      BigInteger half = BigInteger.ONE.shiftLeft(bits - 1);
      return new IntegerRange(half.negate(), half.subtract(BigInteger.ONE));
    }

    static IntegerRange unsignedBits(int bits) {
      return new IntegerRange(
          BigInteger.ZERO,
          (bits == 64 ? TWO_TO_64 : BigInteger.ONE.shiftLeft(bits)).subtract(BigInteger.ONE));
    }

    boolean contains(BigInteger value) {
      return value.compareTo(min) >= 0 && value.compareTo(max) <= 0;
    }
  }
}
