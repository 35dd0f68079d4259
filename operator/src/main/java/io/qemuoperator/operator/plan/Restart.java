package io.qemuoperator.operator.plan;

import io.qemuoperator.api.v1alpha1.spec.UpdateStrategy;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Why the running QEMU must be replaced by a new one, and whether that happens now.
 *
 * @param changes the boot-time fields whose running value differs from the spec
 * @param requested the user asked for a restart (a new {@code restartedAt})
 * @param now true: restart now; false: {@code updateStrategy: Manual} defers it (RestartRequired)
 */
public record Restart(List<BootConfig.FieldChange> changes, boolean requested, boolean now) {

  /** The blocker (and Synced reason) of a restart deferred by {@code updateStrategy: Manual}. */
  public static final String REQUIRED = "RestartRequired";

  public Restart {
    changes = List.copyOf(changes);
  }

  /**
   * Compares the spec's launch with the pod's. {@code running} is empty for a pod that does not say
   * what it was launched with (made by an older operator): it is replaced as a changed one is.
   */
  public static Optional<Restart> decide(
      Launch declared, Optional<Launch> running, UpdateStrategy strategy) {
    if (running.isEmpty()) {
      return Optional.of(new Restart(List.of(), false, strategy != UpdateStrategy.Manual));
    }
    List<BootConfig.FieldChange> changes = running.get().boot().changesTo(declared.boot());
    boolean requested =
        !declared.restartedAt().isEmpty()
            && !declared.restartedAt().equals(running.get().restartedAt());
    if (changes.isEmpty() && !requested) {
      return Optional.empty();
    }
    return Optional.of(
        new Restart(changes, requested, requested || strategy != UpdateStrategy.Manual));
  }

  /** For conditions and Events: what changed, or that a restart was asked for. */
  public String describe() {
    String fields =
        changes.isEmpty()
            ? "the pod does not record what it was launched with"
            : changes.stream().map(Object::toString).collect(Collectors.joining(", "));
    if (requested) {
      return "a restart was requested (annotation qemu-operator.io/restartedAt)"
          + (changes.isEmpty() ? "" : "; boot-time changes: " + fields);
    }
    return fields;
  }
}
