package io.qemuoperator.local;

import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.api.v1alpha1.status.Condition;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * QemuVMs as {@code kubectl get qvm} prints them: the CRD's printer columns (NAME PHASE RUNSTATE
 * CPUS MEMORY AGE), aligned.
 */
public final class VmTable {
  static final List<String> HEADER = List.of("NAME", "PHASE", "RUNSTATE", "CPUS", "MEMORY", "AGE");

  private VmTable() {}

  /** One row per VM, without the header, sorted by namespace and name. */
  public static List<List<String>> rows(List<QemuVM> vms, Instant now) {
    return vms.stream()
        .sorted(
            Comparator.comparing((QemuVM vm) -> vm.getMetadata().getNamespace())
                .thenComparing(vm -> vm.getMetadata().getName()))
        .map(vm -> row(vm, now))
        .toList();
  }

  /** CPUS and MEMORY are what QEMU runs (status), as the CRD's printer columns show them. */
  static List<String> row(QemuVM vm, Instant now) {
    var status = vm.getStatus();
    return List.of(
        vm.getMetadata().getName(),
        status == null || status.getPhase() == null ? "" : status.getPhase().name(),
        status == null || status.getRunState() == null ? "" : status.getRunState(),
        status == null || status.getVcpus() == null ? "" : status.getVcpus().toString(),
        status == null || status.getMemory() == null || status.getMemory().getBoot() == null
            ? ""
            : status.getMemory().getBoot().toString(),
        age(vm.getMetadata().getCreationTimestamp(), now));
  }

  /** The header and the rows, in columns three spaces apart, as kubectl aligns them. */
  public static List<String> format(List<List<String>> rows) {
    List<List<String>> all = new ArrayList<>();
    all.add(HEADER);
    all.addAll(rows);
    int[] widths = new int[HEADER.size()];
    for (List<String> row : all) {
      for (int i = 0; i < row.size(); i++) {
        widths[i] = Math.max(widths[i], row.get(i).length());
      }
    }
    List<String> lines = new ArrayList<>();
    for (List<String> row : all) {
      var line = new StringBuilder();
      for (int i = 0; i < row.size(); i++) {
        line.append(i == row.size() - 1 ? row.get(i) : pad(row.get(i), widths[i] + 3));
      }
      lines.add(line.toString().stripTrailing());
    }
    return lines;
  }

  private static String pad(String text, int width) {
    return text + " ".repeat(width - text.length());
  }

  /** kubectl's short ages: 45s, 3m12s, 2h5m, 4d. */
  static String age(String timestamp, Instant now) {
    if (timestamp == null) {
      return "";
    }
    Duration age = Duration.between(Instant.parse(timestamp), now);
    if (age.isNegative()) {
      age = Duration.ZERO;
    }
    long s = age.toSeconds();
    if (s < 120) {
      return s + "s";
    }
    if (s < 600) {
      return (s / 60) + "m" + (s % 60) + "s";
    }
    if (s < 3 * 3600) {
      return s < 3600 ? (s / 60) + "m" : (s / 3600) + "h" + ((s % 3600) / 60) + "m";
    }
    return s < 48 * 3600 ? (s / 3600) + "h" : (s / 86400) + "d";
  }

  /** The condition of {@code type}, if the VM has a status with it. */
  public static Optional<Condition> condition(QemuVM vm, String type) {
    if (vm.getStatus() == null || vm.getStatus().getConditions() == null) {
      return Optional.empty();
    }
    return vm.getStatus().getConditions().stream()
        .filter(c -> type.equals(c.getType()))
        .findFirst();
  }

  /** Ready=True for the VM's current generation. */
  public static boolean isReady(QemuVM vm) {
    return condition(vm, "Ready")
        .filter(c -> Condition.TRUE.equals(c.getStatus()))
        .filter(
            c ->
                vm.getMetadata().getGeneration() == null
                    || c.getObservedGeneration() == null
                    || c.getObservedGeneration().equals(vm.getMetadata().getGeneration()))
        .isPresent();
  }
}
