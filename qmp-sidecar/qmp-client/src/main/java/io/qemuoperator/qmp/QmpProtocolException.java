package io.qemuoperator.qmp;

/**
 * QEMU sent something the protocol does not allow (malformed JSON, an over-long line, an error
 * without an id); the session is dropped.
 */
public class QmpProtocolException extends QmpException {
  public QmpProtocolException(String message) {
    super(message);
  }

  public QmpProtocolException(String message, Throwable cause) {
    super(message, cause);
  }
}
