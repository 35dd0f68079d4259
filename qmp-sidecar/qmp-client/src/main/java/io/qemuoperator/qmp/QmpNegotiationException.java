package io.qemuoperator.qmp;

/** No valid greeting, or `qmp_capabilities` failed, within the negotiation deadline. */
public class QmpNegotiationException extends QmpException {
  public QmpNegotiationException(String message) {
    super(message);
  }

  public QmpNegotiationException(String message, Throwable cause) {
    super(message, cause);
  }
}
