package io.qemuoperator.operator.sidecar;

import java.io.Serial;

/**
 * A sidecar call that did not succeed: the HTTP status and the error's {@code class} and {@code
 * desc} (QEMU's own for 422), or status 0 when the sidecar could not be reached.
 */
public final class SidecarException extends Exception {
  @Serial private static final long serialVersionUID = 1L;

  private final int status;
  private final String errorClass;
  private final String desc;

  public SidecarException(int status, String errorClass, String desc, Throwable cause) {
    super(
        (status == 0 ? "sidecar unreachable" : "sidecar answered " + status)
            + ": "
            + errorClass
            + ": "
            + desc,
        cause);
    this.status = status;
    this.errorClass = errorClass;
    this.desc = desc;
  }

  public int status() {
    return status;
  }

  public String errorClass() {
    return errorClass;
  }

  public String desc() {
    return desc;
  }

  /**
   * True when trying again later may succeed (unreachable, QEMU not connected, deadline, broken
   * stream); false for a refusal that will repeat (bad arguments, QEMU's own error).
   */
  public boolean isTransient() {
    return status == 0 || status == 502 || status == 503 || status == 504;
  }
}
