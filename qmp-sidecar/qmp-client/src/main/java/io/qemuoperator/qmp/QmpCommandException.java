package io.qemuoperator.qmp;

import java.io.Serial;

/** QEMU answered a command with an error; its class and description are kept verbatim. */
public class QmpCommandException extends QmpException {
  @Serial private static final long serialVersionUID = 1L;

  private final String errorClass;
  private final String desc;

  public QmpCommandException(String errorClass, String desc) {
    super(errorClass + ": " + desc);
    this.errorClass = errorClass;
    this.desc = desc;
  }

  /** QEMU's error class, for example {@code DeviceNotFound} or {@code GenericError}. */
  public String errorClass() {
    return errorClass;
  }

  /** QEMU's human-readable description, unchanged. */
  public String desc() {
    return desc;
  }
}
