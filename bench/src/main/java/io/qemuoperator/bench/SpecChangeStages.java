package io.qemuoperator.bench;

import io.qemuoperator.operator.reconcile.StageTrace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Where the time of a spec change goes: the benchmark's own timestamps of each change (the write
 * sent and answered, QEMU seen in the new run state) lined up with the operator's {@link
 * StageTrace} lines for the generation the write made (same machine, same clock, microseconds).
 */
final class SpecChangeStages {
  private static final Pattern LINE =
      Pattern.compile("stage=(\\S+) vm=(\\S+) generation=(\\S+) at=(\\d+)");

  /** One spec change as the benchmark saw it (epoch microseconds). */
  record Change(long generation, long writeSent, long writeAnswered, long qemuSeen) {}

  /** A stage: from one mark to the next. */
  record Stage(String label, String from, String to) {}

  /** The stages until QEMU is in the new run state, then those until the status is written. */
  static final List<Stage> STAGES =
      List.of(
          new Stage("API write (client: request sent → answered)", "write", "answered"),
          new Stage("→ the operator's informer has the change", "answered", "informer"),
          new Stage("→ the reconcile pass starts", "informer", "reconcile"),
          new Stage("→ spec, Secret, claims, pod checked", "reconcile", "state-sent"),
          new Stage("→ GET /v1/state answered", "state-sent", "state"),
          new Stage("  (pass start → /v1/state answered)", "reconcile", "state"),
          new Stage("→ QMP command sent (validate, plan)", "state", "qmp-sent"),
          new Stage("→ QMP command acknowledged", "qmp-sent", "qmp-acked"),
          new Stage("→ QEMU's run state seen by the benchmark", "qmp-acked", "qemu"),
          new Stage("(after the ack) → its Event written", "qmp-acked", "event"),
          new Stage("→ /v1/state read again", "event", "state-after"),
          new Stage("→ status patched", "state-after", "status"),
          new Stage("→ status patched (no second read)", "event", "status"),
          new Stage("→ the pass ends", "status", "done"),
          new Stage("the pass's tail: QMP ack → the pass ends", "qmp-acked", "done"));

  private final List<Map<String, Long>> marks = new ArrayList<>();
  private final List<Integer> passes = new ArrayList<>();

  /** Reads the operator's trace lines of {@code vm} (namespace/name) from its log. */
  SpecChangeStages(Path operatorLog, String vm, List<Change> changes) throws IOException {
    record Mark(String stage, long generation, long at) {}
    var lines = new ArrayList<Mark>();
    for (String line : Files.readAllLines(operatorLog)) {
      var m = LINE.matcher(line);
      if (m.find() && m.group(2).equals(vm) && !m.group(3).equals("null")) {
        lines.add(new Mark(m.group(1), Long.parseLong(m.group(3)), Long.parseLong(m.group(4))));
      }
    }
    for (Change change : changes) {
      var at = new HashMap<String, Long>();
      at.put("write", change.writeSent());
      at.put("answered", change.writeAnswered());
      at.put("qemu", change.qemuSeen());
      int passCount = 0;
      boolean inPass = false;
      for (Mark mark : lines) {
        if (mark.stage().equals("informer") && mark.generation() == change.generation()) {
          at.putIfAbsent("informer", mark.at());
        } else if (mark.stage().equals("reconcile")) {
          boolean first = !at.containsKey("reconcile");
          inPass = mark.generation() == change.generation() && first;
          if (mark.generation() == change.generation()) {
            passCount++;
          }
          if (inPass) {
            at.put("reconcile", mark.at());
          }
        } else if (inPass) {
          at.putIfAbsent(mark.stage(), mark.at());
        }
      }
      marks.add(at);
      passes.add(passCount);
    }
  }

  /** The p50 of a stage's duration over all changes that have both marks, in microseconds. */
  LatencySample.Stats stage(Stage stage) {
    var sample = new LatencySample(stage.label());
    for (Map<String, Long> at : marks) {
      if (at.containsKey(stage.from()) && at.containsKey(stage.to())) {
        sample.add((at.get(stage.to()) - at.get(stage.from())) * 1000);
      }
    }
    return sample.count() == 0 ? null : sample.stats();
  }

  /** The p50 of the time from the write to {@code mark}, in microseconds. */
  LatencySample.Stats sinceWrite(String mark) {
    var sample = new LatencySample("write → " + mark);
    for (Map<String, Long> at : marks) {
      if (at.containsKey(mark)) {
        sample.add((at.get(mark) - at.get("write")) * 1000);
      }
    }
    return sample.count() == 0 ? null : sample.stats();
  }

  /** The median number of reconcile passes that ran on each change's generation. */
  int passesP50() {
    var sorted = passes.stream().sorted().toList();
    return sorted.isEmpty() ? 0 : sorted.get((sorted.size() - 1) / 2);
  }
}
