package io.qemuoperator.qmp;

import java.io.Serial;

/**
 * The calling thread was interrupted while waiting for QMP; its interrupt flag has been set again.
 */
public class QmpInterruptedException extends QmpException {
  @Serial private static final long serialVersionUID = 1L;

  public QmpInterruptedException(String message, InterruptedException cause) {
    super(message, cause);
  }
}
