package io.qemuoperator.sidecar.attack;

import io.qemuoperator.sidecar.SidecarConfig;
import java.nio.file.Path;

/** Variations of a sidecar's configuration the attack cases need. */
final class SidecarConfigs {
  private SidecarConfigs() {}

  /** {@code config} with another cap on request bodies. */
  static SidecarConfig withMaxBodyBytes(SidecarConfig config, int maxBodyBytes) {
    return new SidecarConfig(
        config.qmpSocket(),
        config.listen(),
        config.tokenFile(),
        config.allowedGuardedCommands(),
        maxBodyBytes,
        config.consoleSocket(),
        config.consoleLog(),
        config.consoleLogMaxBytes(),
        config.guestAgentSocket(),
        config.unresponsiveAfter());
  }

  /** {@code config} with its token read from {@code tokenFile}. */
  static SidecarConfig withTokenFile(SidecarConfig config, Path tokenFile) {
    return new SidecarConfig(
        config.qmpSocket(),
        config.listen(),
        tokenFile,
        config.allowedGuardedCommands(),
        config.maxBodyBytes(),
        config.consoleSocket(),
        config.consoleLog(),
        config.consoleLogMaxBytes(),
        config.guestAgentSocket(),
        config.unresponsiveAfter());
  }
}
