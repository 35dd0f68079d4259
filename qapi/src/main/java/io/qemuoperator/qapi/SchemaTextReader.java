package io.qemuoperator.qapi;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the QAPI schema language into {@link SchemaNode}s: a sequence of top-level values written
 * in Python-dictionary syntax, with {@code #} comments to the end of the line, single- or
 * double-quoted strings (a backslash escapes the next character), dictionaries and lists.
 */
final class SchemaTextReader {
  private final String source;
  private final String text;
  private int offset;
  private int line = 1;
  private int column = 1;

  private SchemaTextReader(String source, String text) {
    this.source = source;
    this.text = text;
  }

  /** Every top-level value of {@code text}, in order. */
  static List<SchemaNode> read(String source, String text) {
    return new SchemaTextReader(source, text).readAll();
  }

  private List<SchemaNode> readAll() {
    List<SchemaNode> values = new ArrayList<>();
    skipBlanksAndComments();
    while (!atEnd()) {
      values.add(readValue());
      skipBlanksAndComments();
    }
    return values;
  }

  private SchemaNode readValue() {
    skipBlanksAndComments();
    if (atEnd()) {
      throw error(position(), "unexpected end of schema, expected a value");
    }
    char c = peek();
    return switch (c) {
      case '{' -> readDict();
      case '[' -> readArray();
      case '\'', '"' -> readText();
      default -> readWord();
    };
  }

  private SchemaNode.Dict readDict() {
    SourcePosition start = position();
    advance(); // {
    Map<String, SchemaNode.Entry> entries = new LinkedHashMap<>();
    skipBlanksAndComments();
    if (!atEnd() && peek() == '}') {
      advance();
      return new SchemaNode.Dict(entries, start);
    }
    while (true) {
      skipBlanksAndComments();
      SourcePosition keyAt = position();
      if (atEnd() || (peek() != '\'' && peek() != '"')) {
        throw error(keyAt, "expected a quoted dictionary key, found " + describeNext());
      }
      String key = readText().value();
      if (entries.containsKey(key)) {
        throw error(keyAt, "duplicate key '" + key + "'");
      }
      expect(':');
      entries.put(key, new SchemaNode.Entry(key, keyAt, readValue()));
      skipBlanksAndComments();
      if (atEnd()) {
        throw error(position(), "unterminated dictionary opened at " + where(start));
      }
      char c = advance();
      if (c == '}') {
        return new SchemaNode.Dict(entries, start);
      }
      if (c != ',') {
        throw error(previousPosition(), "expected ',' or '}' in dictionary, found '" + c + "'");
      }
    }
  }

  private SchemaNode.Array readArray() {
    SourcePosition start = position();
    advance(); // [
    List<SchemaNode> items = new ArrayList<>();
    skipBlanksAndComments();
    if (!atEnd() && peek() == ']') {
      advance();
      return new SchemaNode.Array(items, start);
    }
    while (true) {
      items.add(readValue());
      skipBlanksAndComments();
      if (atEnd()) {
        throw error(position(), "unterminated list opened at " + where(start));
      }
      char c = advance();
      if (c == ']') {
        return new SchemaNode.Array(items, start);
      }
      if (c != ',') {
        throw error(previousPosition(), "expected ',' or ']' in list, found '" + c + "'");
      }
    }
  }

  private SchemaNode.Text readText() {
    SourcePosition start = position();
    char quote = advance();
    StringBuilder value = new StringBuilder();
    while (true) {
      if (atEnd() || peek() == '\n') {
        throw error(start, "unterminated string");
      }
      char c = advance();
      if (c == quote) {
        return new SchemaNode.Text(value.toString(), start);
      }
      if (c == '\\') {
        if (atEnd()) {
          throw error(start, "unterminated string");
        }
        c = advance();
      }
      value.append(c);
    }
  }

  private SchemaNode readWord() {
    SourcePosition start = position();
    StringBuilder word = new StringBuilder();
    while (!atEnd() && Character.isLetterOrDigit(peek())) {
      word.append(advance());
    }
    return switch (word.toString()) {
      case "true" -> new SchemaNode.Flag(true, start);
      case "false" -> new SchemaNode.Flag(false, start);
      case "" -> throw error(start, "unexpected '" + peek() + "', expected a value");
      default -> throw error(start, "unexpected word '" + word + "', expected a value");
    };
  }

  private void expect(char wanted) {
    skipBlanksAndComments();
    if (atEnd() || peek() != wanted) {
      throw error(position(), "expected '" + wanted + "', found " + describeNext());
    }
    advance();
  }

  private void skipBlanksAndComments() {
    while (!atEnd()) {
      char c = peek();
      if (c == '#') {
        while (!atEnd() && peek() != '\n') {
          advance();
        }
      } else if (Character.isWhitespace(c)) {
        advance();
      } else {
        return;
      }
    }
  }

  private String describeNext() {
    return atEnd() ? "end of schema" : "'" + peek() + "'";
  }

  private boolean atEnd() {
    return offset >= text.length();
  }

  private char peek() {
    return text.charAt(offset);
  }

  private char advance() {
    char c = text.charAt(offset++);
    if (c == '\n') {
      line++;
      column = 1;
    } else {
      column++;
    }
    return c;
  }

  private SourcePosition position() {
    return new SourcePosition(line, column);
  }

  /** Position of the character just consumed (never a newline where this is used). */
  private SourcePosition previousPosition() {
    return new SourcePosition(line, column - 1);
  }

  private static String where(SourcePosition at) {
    return at.line() + ":" + at.column();
  }

  private QapiParseException error(SourcePosition at, String problem) {
    return new QapiParseException(source, at, problem);
  }
}
