package io.qemuoperator.sidecar.http;

import java.io.IOException;
import java.io.Serial;

/** A request the server cannot read: answered with {@code status} and the connection closed. */
final class HttpProtocolException extends IOException {
  @Serial private static final long serialVersionUID = 1L;

  private final int status;

  HttpProtocolException(int status, String message) {
    super(message);
    this.status = status;
  }

  int status() {
    return status;
  }
}
