package io.qemuoperator.qmp;

import java.io.Serial;

/** A command got no reply within its deadline; its late reply, if any, is dropped. */
public class QmpTimeoutException extends QmpException {
  @Serial private static final long serialVersionUID = 1L;

  public QmpTimeoutException(String message) {
    super(message);
  }

  public QmpTimeoutException(String message, Throwable cause) {
    super(message, cause);
  }
}
