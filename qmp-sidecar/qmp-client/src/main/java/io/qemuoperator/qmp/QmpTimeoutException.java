package io.qemuoperator.qmp;

/** A command got no reply within its deadline; its late reply, if any, is dropped. */
public class QmpTimeoutException extends QmpException {
  public QmpTimeoutException(String message) {
    super(message);
  }

  public QmpTimeoutException(String message, Throwable cause) {
    super(message, cause);
  }
}
