package io.qemuoperator.sidecar.importer;

import java.io.IOException;

/**
 * An import that cannot succeed as asked (bad URL, HTTP error, checksum mismatch, an image that
 * does not fit): its message is what the user reads in the VM's status.
 */
public final class ImportException extends IOException {
  private static final long serialVersionUID = 1L;

  public ImportException(String message) {
    super(message);
  }

  public ImportException(String message, Throwable cause) {
    super(message, cause);
  }
}
