package io.qemuoperator.qapi;

/**
 * Command arguments that do not match the command's declaration in the schema. The message reads
 * like QEMU's own, for example {@code Parameter 'value' expects int, got string "134217728"}.
 * {@link #member()} is empty when the arguments as a whole are not an object; for an unexpected
 * member, {@link #expected()} lists the members allowed there.
 */
public final class InvalidArgumentsException extends SchemaMismatchException {
  private static final long serialVersionUID = 1L;

  InvalidArgumentsException(String message, String member, String expected) {
    super(message, member, expected);
  }
}
