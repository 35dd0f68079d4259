package io.qemuoperator.qmp;

import java.io.Serial;

/**
 * QEMU sent something the protocol does not allow (malformed JSON, an over-long line, an error
 * without an id); the session is dropped.
 */
public class QmpProtocolException extends QmpException {
  @Serial private static final long serialVersionUID = 1L;

  public QmpProtocolException(String message) {
    super(message);
  }

  public QmpProtocolException(String message, Throwable cause) {
    super(message, cause);
  }
}
