package io.qemuoperator.qapi;

import java.util.Objects;

/**
 * One member of a struct or one argument of a command.
 *
 * @param name the wire name, without the {@code *} that marks an optional member in the schema
 * @param type the member's type
 * @param optional whether the member may be absent
 */
public record QapiMember(String name, QapiType type, boolean optional) {
  public QapiMember {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
  }
}
