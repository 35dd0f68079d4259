package io.qemuoperator.qmp;

/**
 * The calling thread was interrupted while waiting for QMP; its interrupt flag has been set again.
 */
public class QmpInterruptedException extends QmpException {
  public QmpInterruptedException(String message, InterruptedException cause) {
    super(message, cause);
  }
}
