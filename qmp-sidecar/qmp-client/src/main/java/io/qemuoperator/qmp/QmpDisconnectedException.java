package io.qemuoperator.qmp;

/**
 * The client was not connected when a command was sent, or the connection dropped while it was in
 * flight.
 */
public class QmpDisconnectedException extends QmpException {
  public QmpDisconnectedException(String message) {
    super(message);
  }

  public QmpDisconnectedException(String message, Throwable cause) {
    super(message, cause);
  }
}
