package io.qemuoperator.sidecar;

import java.util.Set;

/**
 * Which commands the sidecar passes to QEMU. Commands that write files on the host, run free-form
 * monitor commands, set arbitrary object properties or end QEMU are off unless the operator of the
 * sidecar names them with {@code --allow}.
 */
public record CommandPolicy(Set<String> allowedGuarded) {

  /** File-writing, free-form and process-ending commands. */
  public static final Set<String> GUARDED =
      Set.of("memsave", "pmemsave", "human-monitor-command", "qom-set", "quit");

  public CommandPolicy {
    allowedGuarded = Set.copyOf(allowedGuarded);
  }

  public boolean permits(String command) {
    return !GUARDED.contains(command) || allowedGuarded.contains(command);
  }
}
