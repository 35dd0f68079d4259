package io.qemuoperator.qapi;

import java.util.List;
import java.util.Objects;

/** A QAPI {@code 'type'}: a JSON object with named members, in declaration order. */
public record QapiStruct(String name, List<QapiMember> members) implements QapiDefinition {
  public QapiStruct {
    Objects.requireNonNull(name, "name");
    members = List.copyOf(members);
  }
}
