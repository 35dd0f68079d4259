package io.qemuoperator.qmp;

/** Base of every failure the QMP client reports. The root cause is kept. */
public abstract class QmpException extends Exception {
  protected QmpException(String message) {
    super(message);
  }

  protected QmpException(String message, Throwable cause) {
    super(message, cause);
  }
}
