package io.qemuoperator.qapi;

/** A JSON value that does not match what the schema declares, at one member. */
public abstract class SchemaMismatchException extends Exception {
  private static final long serialVersionUID = 1L;
  private final String member;
  private final String expected;

  SchemaMismatchException(String message, String member, String expected) {
    super(message);
    this.member = member;
    this.expected = expected;
  }

  /**
   * Path of the offending member, such as {@code value}, {@code qemu.major}, {@code
   * devices[2].bus}.
   */
  public String member() {
    return member;
  }

  /** What the schema expects there: a type such as {@code int} or {@code [str]}, or enum values. */
  public String expected() {
    return expected;
  }
}
