package io.qemuoperator.qmp;

import java.io.Serial;

/**
 * The client was not connected when a command was sent, or the connection dropped while it was in
 * flight.
 */
public class QmpDisconnectedException extends QmpException {
  @Serial private static final long serialVersionUID = 1L;

  public QmpDisconnectedException(String message) {
    super(message);
  }

  public QmpDisconnectedException(String message, Throwable cause) {
    super(message, cause);
  }
}
