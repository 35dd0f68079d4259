package io.qemuoperator.qapi;

/**
 * Command arguments that do not match the command's declaration in the schema. The message reads
 * like QEMU's own, for example {@code Parameter 'value' expects int, got string "134217728"}.
 */
public final class InvalidArgumentsException extends Exception {
  private static final long serialVersionUID = 1L;

  private final String member;
  private final String expected;

  InvalidArgumentsException(String message, String member, String expected) {
    super(message);
    this.member = member;
    this.expected = expected;
  }

  /**
   * Path of the offending member, such as {@code value}, {@code qemu.major} or {@code
   * devices[2].bus}; empty when the arguments as a whole are not an object.
   */
  public String member() {
    return member;
  }

  /**
   * What the schema expects at {@link #member()}: a type such as {@code int} or {@code [str]}, an
   * enum's values as {@code one of [ok, failed, nospace]}, or, for an unexpected member, the
   * members that are allowed there.
   */
  public String expected() {
    return expected;
  }
}
