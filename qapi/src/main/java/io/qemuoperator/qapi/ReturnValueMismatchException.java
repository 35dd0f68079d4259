package io.qemuoperator.qapi;

/**
 * A command's reply that lacks a member its declared return type requires, or has a member of the
 * wrong JSON type.
 */
public final class ReturnValueMismatchException extends Exception {
  private static final long serialVersionUID = 1L;

  private final String member;
  private final String expected;

  ReturnValueMismatchException(String message, String member, String expected) {
    super(message);
    this.member = member;
    this.expected = expected;
  }

  /**
   * Path of the offending member from the reply's root, such as {@code return[0].inserted.file}.
   */
  public String member() {
    return member;
  }

  /** What the declared return type expects there, such as {@code int} or {@code BlockInfo}. */
  public String expected() {
    return expected;
  }
}
