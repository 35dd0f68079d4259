package io.qemuoperator.operator.reconcile;

import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.qemuoperator.operator.pod.DiskImport;
import java.util.List;
import java.util.Optional;

/**
 * Where the import of a VM's disks stands, as the pod's init container {@link DiskImport#CONTAINER}
 * reports it in {@code initContainerStatuses}: importing (not started yet, or running), imported
 * (ended with 0), or failed (ended otherwise, now or at its last run while it waits to be
 * restarted), with the importer's termination message. The source of the condition {@link
 * Conditions#DISKS_READY}.
 *
 * @param reason {@link #IMPORTING}, {@link #IMPORTED} or {@link #IMPORT_FAILED}
 * @param message for people: the importer's own words when it ended
 */
public record DiskImportState(String reason, String message) {
  public static final String IMPORTING = "Importing";
  public static final String IMPORTED = "Imported";
  public static final String IMPORT_FAILED = "ImportFailed";

  public boolean done() {
    return IMPORTED.equals(reason);
  }

  public boolean failed() {
    return IMPORT_FAILED.equals(reason);
  }

  /** The state of the pod's import; empty when the pod imports nothing. */
  public static Optional<DiskImportState> of(Pod pod) {
    if (pod.getSpec() == null
        || pod.getSpec().getInitContainers() == null
        || pod.getSpec().getInitContainers().stream()
            .noneMatch(c -> DiskImport.CONTAINER.equals(c.getName()))) {
      return Optional.empty();
    }
    List<ContainerStatus> statuses =
        pod.getStatus() == null || pod.getStatus().getInitContainerStatuses() == null
            ? List.of()
            : pod.getStatus().getInitContainerStatuses();
    Optional<ContainerStatus> status =
        statuses.stream().filter(s -> DiskImport.CONTAINER.equals(s.getName())).findFirst();
    if (status.isEmpty() || status.get().getState() == null) {
      return Optional.of(
          new DiskImportState(IMPORTING, "the VM's pod has not started the import yet"));
    }
    ContainerState state = status.get().getState();
    if (state.getTerminated() != null) {
      ContainerStateTerminated ended = state.getTerminated();
      if (ended.getExitCode() != null && ended.getExitCode() == 0) {
        return Optional.of(new DiskImportState(IMPORTED, words(ended, "the disks are imported")));
      }
      return Optional.of(failure(ended));
    }
    ContainerState last = status.get().getLastState();
    if (last != null
        && last.getTerminated() != null
        && (last.getTerminated().getExitCode() == null
            || last.getTerminated().getExitCode() != 0)) {
      // between two attempts (waiting out the back-off) or retrying: the last attempt's reason
      return Optional.of(failure(last.getTerminated()));
    }
    return Optional.of(
        new DiskImportState(
            IMPORTING, "the pod's init container imports " + String.join(", ", imports(pod))));
  }

  /**
   * True while the pod's importer runs (its init container's state is running): it answers {@code
   * GET /v1/import} on the pod's address then.
   */
  public static boolean importerRunning(Pod pod) {
    return pod.getStatus() != null
        && pod.getStatus().getInitContainerStatuses() != null
        && pod.getStatus().getInitContainerStatuses().stream()
            .anyMatch(
                s ->
                    DiskImport.CONTAINER.equals(s.getName())
                        && s.getState() != null
                        && s.getState().getRunning() != null);
  }

  /** What the pod's importer fetches, from its arguments: {@code disk NAME from URL} each. */
  private static List<String> imports(Pod pod) {
    List<String> args =
        pod.getSpec().getInitContainers().stream()
            .filter(c -> DiskImport.CONTAINER.equals(c.getName()))
            .findFirst()
            .map(c -> c.getArgs() == null ? List.<String>of() : c.getArgs())
            .orElse(List.of());
    var imports = new java.util.ArrayList<String>();
    String disk = null;
    for (int i = 0; i + 1 < args.size(); i++) {
      if (args.get(i).equals("--disk")) {
        disk = args.get(i + 1);
      } else if (args.get(i).equals("--url") && disk != null) {
        imports.add("disk " + disk + " from " + args.get(i + 1));
      }
    }
    return imports.isEmpty() ? List.of("the disks' images") : imports;
  }

  /** The same words at every attempt: a retry that fails alike changes no status. */
  private static DiskImportState failure(ContainerStateTerminated ended) {
    return new DiskImportState(
        IMPORT_FAILED, words(ended, "the importer exited with code " + ended.getExitCode()));
  }

  private static String words(ContainerStateTerminated ended, String otherwise) {
    return ended.getMessage() == null || ended.getMessage().isBlank()
        ? otherwise
        : ended.getMessage().strip();
  }
}
