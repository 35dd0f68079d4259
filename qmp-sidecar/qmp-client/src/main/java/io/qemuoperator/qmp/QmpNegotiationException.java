package io.qemuoperator.qmp;

import java.io.Serial;

/** No valid greeting, or `qmp_capabilities` failed, within the negotiation deadline. */
public class QmpNegotiationException extends QmpException {
  @Serial private static final long serialVersionUID = 1L;

  public QmpNegotiationException(String message) {
    super(message);
  }

  public QmpNegotiationException(String message, Throwable cause) {
    super(message, cause);
  }
}
