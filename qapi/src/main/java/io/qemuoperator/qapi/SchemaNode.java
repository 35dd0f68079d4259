package io.qemuoperator.qapi;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A value of the QAPI schema language, before it is given meaning, with where it starts. */
sealed interface SchemaNode {

  SourcePosition at();

  /** What kind of value this is, for error messages. */
  String kind();

  /** A quoted string. */
  record Text(String value, SourcePosition at) implements SchemaNode {
    @Override
    public String kind() {
      return "string";
    }
  }

  /** {@code true} or {@code false}, accepted as later QAPI versions write {@code 'gen': false}. */
  record Flag(boolean value, SourcePosition at) implements SchemaNode {
    @Override
    public String kind() {
      return "boolean";
    }
  }

  /** A list in square brackets. */
  record Array(List<SchemaNode> items, SourcePosition at) implements SchemaNode {
    public Array {
      items = List.copyOf(items);
    }

    @Override
    public String kind() {
      return "list";
    }
  }

  /** A dictionary in braces; keys keep their order. */
  record Dict(Map<String, Entry> entries, SourcePosition at) implements SchemaNode {
    public Dict {
      entries = Collections.unmodifiableMap(new LinkedHashMap<>(entries));
    }

    @Override
    public String kind() {
      return "dictionary";
    }
  }

  /** One key of a dictionary: where the key is written, and its value. */
  record Entry(String key, SourcePosition keyAt, SchemaNode value) {}
}
