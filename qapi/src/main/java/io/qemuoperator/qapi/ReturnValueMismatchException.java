package io.qemuoperator.qapi;

/**
 * A command's reply that lacks a member its declared return type requires, or has a member of the
 * wrong JSON type. {@link #member()} starts at the reply's root, e.g. {@code
 * return[0].inserted.file}.
 */
public final class ReturnValueMismatchException extends SchemaMismatchException {
  private static final long serialVersionUID = 1L;

  ReturnValueMismatchException(String message, String member, String expected) {
    super(message, member, expected);
  }
}
