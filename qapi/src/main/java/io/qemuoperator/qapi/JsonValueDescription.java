package io.qemuoperator.qapi;

import com.fasterxml.jackson.databind.JsonNode;

/** Describes a JSON value in an error message: {@code string "abc"}, {@code number 1.5E8}, ... */
final class JsonValueDescription {
  private static final int MAX_TEXT = 60;

  private JsonValueDescription() {}

  static String of(JsonNode value) {
    if (value == null || value.isMissingNode() || value.isNull()) {
      return "null";
    }
    if (value.isTextual()) {
      return "string " + shorten(value.toString());
    }
    if (value.isBoolean()) {
      return "boolean " + value.asText();
    }
    if (value.isNumber()) {
      return "number " + shorten(value.toString());
    }
    if (value.isArray()) {
      return "array";
    }
    return "object";
  }

  /** A member name or path a caller sent, shortened like a value. */
  static String name(String text) {
    return shorten(text);
  }

  private static String shorten(String text) {
    return text.length() <= MAX_TEXT ? text : text.substring(0, MAX_TEXT) + "…";
  }
}
