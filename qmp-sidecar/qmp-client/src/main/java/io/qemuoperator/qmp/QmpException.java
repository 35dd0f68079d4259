package io.qemuoperator.qmp;

import java.io.Serial;

/** Base of every failure the QMP client reports. The root cause is kept. */
public abstract class QmpException extends Exception {
  @Serial private static final long serialVersionUID = 1L;

  protected QmpException(String message) {
    super(message);
  }

  protected QmpException(String message, Throwable cause) {
    super(message, cause);
  }
}
