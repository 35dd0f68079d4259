package io.qemuoperator.qapi;

/**
 * A command name the schema does not define. Unchecked, as it signals a caller that did not look
 * the command up first; QMP's answer to the same mistake is the error class {@code
 * CommandNotFound}.
 */
public final class UnknownCommandException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String command;

  public UnknownCommandException(String command) {
    super("The command " + command + " is not defined in the QAPI schema");
    this.command = command;
  }

  /** The name that was not found. */
  public String command() {
    return command;
  }
}
