package io.qemuoperator.qapi;

import java.util.List;
import java.util.Objects;

/** A QAPI {@code 'enum'}: a JSON string restricted to the listed values. */
public record QapiEnum(String name, List<String> values) implements QapiDefinition {
  public QapiEnum {
    Objects.requireNonNull(name, "name");
    values = List.copyOf(values);
  }
}
