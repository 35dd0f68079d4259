package io.qemuoperator.qmp;

/** The unix socket could not be connected to within the connect deadline. */
public class QmpConnectException extends QmpException {
  public QmpConnectException(String message) {
    super(message);
  }

  public QmpConnectException(String message, Throwable cause) {
    super(message, cause);
  }
}
