package io.qemuoperator.operator.reconcile;

import io.qemuoperator.api.v1alpha1.QemuVM;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When each stage of handling a QemuVM happened, to find where a change's latency goes: one DEBUG
 * line per stage on the logger {@value #LOGGER}, off unless that logger is set to debug (then each
 * costs a clock read and a log line). The cluster benchmark turns it on and lines the stages up
 * with its own timestamps (same machine, same clock).
 *
 * <p>A line reads {@code stage=NAME vm=NAMESPACE/NAME generation=G at=EPOCH_MICROS [what]}. The
 * stages: {@code informer} (a spec change reached the operator's watch), {@code reconcile} (a pass
 * began), {@code state-sent} (spec validated, Secret, claims and pod checked; {@code /v1/state}
 * asked), {@code state} ({@code /v1/state} read), {@code qmp-sent} and {@code qmp-acked} (one QMP
 * command, named), {@code event} (its Event written), {@code state-after} (QEMU read again after
 * the actions), {@code status} (the status patched) or {@code status-superseded} (left to the pass
 * for a newer spec), {@code done} (the pass ended). The lines of one pass follow its {@code
 * reconcile} line: passes of one VM never overlap.
 */
public final class StageTrace {
  public static final String LOGGER = "io.qemuoperator.operator.trace";
  private static final Logger log = LoggerFactory.getLogger(LOGGER);

  private StageTrace() {}

  static void mark(QemuVM vm, String stage) {
    mark(vm, stage, "");
  }

  static void mark(QemuVM vm, String stage, String what) {
    if (log.isDebugEnabled()) {
      Instant now = Instant.now();
      log.debug(
          "stage={} vm={}/{} generation={} at={}{}",
          stage,
          vm.getMetadata().getNamespace(),
          vm.getMetadata().getName(),
          vm.getMetadata().getGeneration(),
          now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000,
          what.isEmpty() ? "" : " " + what);
    }
  }
}
