package io.qemuoperator.qapi;

/**
 * A QAPI schema that cannot be read: a syntax error, a malformed definition or a type name that
 * does not resolve. The message starts with {@code source:line:column}.
 */
public final class QapiParseException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String source;
  private final int line;
  private final int column;
  private final String problem;

  public QapiParseException(String source, int line, int column, String problem) {
    super(source + ":" + line + ":" + column + ": " + problem);
    this.source = source;
    this.line = line;
    this.column = column;
    this.problem = problem;
  }

  QapiParseException(String source, SourcePosition at, String problem) {
    this(source, at.line(), at.column(), problem);
  }

  /** The name of the schema text, such as a file path or a classpath resource. */
  public String source() {
    return source;
  }

  /** 1-based line of the problem. */
  public int line() {
    return line;
  }

  /** 1-based column of the problem. */
  public int column() {
    return column;
  }

  /** The problem without its location. */
  public String problem() {
    return problem;
  }
}
