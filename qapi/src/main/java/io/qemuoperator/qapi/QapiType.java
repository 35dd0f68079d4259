package io.qemuoperator.qapi;

import java.util.List;

/** The type of a QAPI member, argument or return value. */
public sealed interface QapiType {

  /**
   * A human name for the type: {@code int}, {@code RunState}, {@code [BlockInfo]}, {@code object}.
   */
  String describe();

  /**
   * A type built into QAPI: {@code str}, {@code int}, {@code number}, {@code bool}, {@code
   * visitor}.
   */
  record Builtin(String name) implements QapiType {
    @Override
    public String describe() {
      return name;
    }
  }

  /** A reference to a struct or enum defined in the schema. */
  record Named(String name) implements QapiType {
    @Override
    public String describe() {
      return name;
    }
  }

  /** A JSON array whose elements all have one type, written {@code ['T']} in the schema. */
  record ListOf(QapiType element) implements QapiType {
    @Override
    public String describe() {
      return "[" + element.describe() + "]";
    }
  }

  /** A struct written inline as a member's type, such as {@code VersionInfo.qemu}. */
  record AnonymousStruct(List<QapiMember> members) implements QapiType {
    public AnonymousStruct {
      members = List.copyOf(members);
    }

    @Override
    public String describe() {
      return "object";
    }
  }
}
