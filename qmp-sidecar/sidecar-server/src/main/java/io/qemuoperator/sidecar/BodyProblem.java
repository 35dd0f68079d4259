package io.qemuoperator.sidecar;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.DatabindException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.exc.InvalidNullException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;

/**
 * What is wrong with a request body, in a few words of the sidecar's own and where: never the body
 * itself, nor the parser's message (which quotes the input and names Java classes). Whatever was
 * sent, the text stays short: a member name a caller sent is cut to {@value #MAX_NAME} characters.
 */
final class BodyProblem {
  static final int MAX_NAME = 60;
  private static final String MISSING = "Missing required creator property '";

  private BodyProblem() {}

  /** The problem Jackson found, e.g. {@code is not valid JSON (line 1, column 9)}. */
  static String of(JacksonException e) {
    String message = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
    String problem =
        switch (e) {
          case StreamConstraintsException c ->
              "is nested too deeply, or holds a number or a string too long";
          case JsonEOFException eof -> "ends before its JSON value is complete";
          case UnrecognizedPropertyException u ->
              "has the unexpected member '" + name(u.getPropertyName()) + "'";
          case InvalidNullException n -> "has null where a value is required";
          case MismatchedInputException m when message.startsWith(MISSING) ->
              "lacks the required member '" + missingMember(message) + "'";
          case MismatchedInputException m when message.startsWith("Trailing token") ->
              "has more after its JSON value";
          case DatabindException d -> "has a member of the wrong type";
          case StreamReadException r when message.startsWith("Duplicate field") ->
              "has a member name twice in one object";
          case StreamReadException r -> "is not valid JSON";
          default -> "cannot be read as JSON";
        };
    return problem + where(e);
  }

  /** A JSON value's kind, for "must be an object, got …": never the value. */
  static String kind(JsonNode value) {
    return switch (value.getNodeType()) {
      case ARRAY -> "an array";
      case STRING -> "a string";
      case NUMBER -> "a number";
      case BOOLEAN -> "a boolean";
      case OBJECT, POJO -> "an object";
      case NULL, MISSING -> "null";
      case BINARY -> "binary data";
    };
  }

  /** A name a caller sent, cut to {@value #MAX_NAME} characters. */
  static String name(String text) {
    if (text == null) {
      return "";
    }
    return text.length() <= MAX_NAME ? text : text.substring(0, MAX_NAME) + "…";
  }

  private static String missingMember(String message) {
    int end = message.indexOf('\'', MISSING.length());
    return end < 0 ? "" : name(message.substring(MISSING.length(), end));
  }

  private static String where(JacksonException e) {
    if (e instanceof JsonMappingException mapping && !mapping.getPath().isEmpty()) {
      var path = new StringBuilder();
      for (JsonMappingException.Reference step : mapping.getPath()) {
        if (step.getFieldName() != null) {
          path.append(path.isEmpty() ? "" : ".").append(name(step.getFieldName()));
        } else if (step.getIndex() >= 0) {
          path.append('[').append(step.getIndex()).append(']');
        }
      }
      if (!path.isEmpty()) {
        return " (at " + path + ")";
      }
    }
    JsonLocation at = e.getLocation();
    if (at == null || at.getLineNr() < 1) {
      return "";
    }
    return " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
  }
}
