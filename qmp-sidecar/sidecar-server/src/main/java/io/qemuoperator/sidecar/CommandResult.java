package io.qemuoperator.sidecar;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The answer to one seed command: QEMU's {@code return} (mapped back to the seed's shape) or an
 * error.
 */
sealed interface CommandResult {

  /**
   * @param value the reply, in the seed schema's shape
   * @param sentAs the command QEMU received when the sidecar translated the seed's; empty when it
   *     was sent as it is or the sidecar answered itself
   */
  record Done(JsonNode value, String sentAs) implements CommandResult {}

  record Failed(ApiError error) implements CommandResult {}
}
