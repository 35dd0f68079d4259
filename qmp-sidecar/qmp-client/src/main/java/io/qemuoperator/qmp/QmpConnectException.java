package io.qemuoperator.qmp;

import java.io.Serial;

/** The unix socket could not be connected to within the connect deadline. */
public class QmpConnectException extends QmpException {
  @Serial private static final long serialVersionUID = 1L;

  public QmpConnectException(String message) {
    super(message);
  }

  public QmpConnectException(String message, Throwable cause) {
    super(message, cause);
  }
}
