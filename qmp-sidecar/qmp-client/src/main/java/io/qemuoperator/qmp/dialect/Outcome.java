package io.qemuoperator.qmp.dialect;

/** How a seed command is served on a given QEMU. */
public enum Outcome {
  /** QEMU accepts the seed's name and arguments. */
  AS_IS,
  /** Sent as a modern equivalent, arguments (and, where needed, the reply) translated. */
  TRANSLATED,
  /** Answered by the sidecar itself, as the schema defines it (the seed's no-op {@code cpu}). */
  EMULATED,
  /** This QEMU has neither the command nor an equivalent: refused with the reason. */
  UNAVAILABLE
}
