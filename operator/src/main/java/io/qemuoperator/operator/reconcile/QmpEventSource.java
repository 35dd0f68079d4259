package io.qemuoperator.operator.reconcile;

import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.operator.sidecar.Sidecar;
import io.qemuoperator.operator.sidecar.SidecarEndpoint;
import io.qemuoperator.operator.sidecar.SidecarException;
import io.qemuoperator.sidecar.api.EventPage;
import io.qemuoperator.sidecar.api.SequencedEvent;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns each VM's QMP events into immediate reconciles: one long poll per VM on its sidecar's
 * {@code /v1/events}. A change of the sidecar's instance id (restarted sidecar) or a gap in the
 * sequence (events lost) also triggers a reconcile, which reads the full state again. A STOP or
 * RESUME that leaves QEMU in the run state the operator already knows (it read it, or its own
 * {@code stop} or {@code cont} brought it there) triggers none: that pass would find nothing new.
 */
public final class QmpEventSource extends SimpleInboundEventSource<QemuVM> {
  private static final Logger log = LoggerFactory.getLogger(QmpEventSource.class);

  /** Events after which QEMU's state differs from what status shows. */
  static final Set<String> STATE_EVENTS =
      Set.of(
          "STOP",
          "RESUME",
          "SHUTDOWN",
          "RESET",
          "BALLOON_CHANGE",
          "BLOCK_IO_ERROR",
          "BLOCK_JOB_COMPLETED",
          "DEVICE_TRAY_MOVED",
          "MIGRATION",
          "GUEST_PANICKED",
          "SUSPEND",
          "WAKEUP",
          // the sidecar's own: the guest agent started or stopped answering (GuestReady)
          "GUEST_AGENT");

  static final Duration POLL_WAIT = Duration.ofSeconds(25);
  static final Duration RETRY_AFTER = Duration.ofSeconds(2);

  private final Sidecar sidecar;
  private final Map<ResourceID, Watch> watches = new ConcurrentHashMap<>();

  public QmpEventSource(Sidecar sidecar) {
    super("qmp-events");
    this.sidecar = sidecar;
  }

  /**
   * Follows {@code endpoint}'s events for {@code vm} from {@code afterSeq} of {@code instance};
   * nothing changes when the same endpoint is already followed.
   */
  public void watch(ResourceID vm, SidecarEndpoint endpoint, String instance, long afterSeq) {
    Watch watch =
        watches.compute(
            vm,
            (id, current) -> {
              if (current != null && current.endpoint.equals(endpoint) && current.running()) {
                return current;
              }
              if (current != null) {
                current.stop();
              }
              return new Watch(endpoint, instance, afterSeq);
            });
    watch.startOnce(() -> follow(vm, watch), "qmp-events-" + vm.getName());
  }

  /**
   * QEMU's run state as the operator knows it for {@code vm}: read, or about to be reached by a
   * command it sends and records itself. Nothing when the VM's events are not followed.
   */
  public void runStateKnown(ResourceID vm, String runState) {
    Watch watch = watches.get(vm);
    if (watch != null) {
      watch.knownRunState = runState;
    }
  }

  /**
   * True when {@code events} may have left QEMU other than the operator knows it: a state event
   * other than STOP and RESUME, or a STOP or RESUME after which QEMU is not in the known run state.
   */
  static boolean newToTheOperator(List<SequencedEvent> events, String knownRunState) {
    String runState = null;
    for (SequencedEvent event : events) {
      switch (event.name()) {
        case "STOP" -> runState = "paused";
        case "RESUME" -> runState = "running";
        default -> {
          if (STATE_EVENTS.contains(event.name())) {
            return true;
          }
        }
      }
    }
    return runState != null && !runState.equals(knownRunState);
  }

  /** Stops following a VM (deleted, or its pod is gone). */
  public void forget(ResourceID vm) {
    Watch watch = watches.remove(vm);
    if (watch != null) {
      watch.stop();
    }
  }

  @Override
  public void stop() {
    watches.keySet().forEach(this::forget);
    super.stop();
  }

  private void follow(ResourceID vm, Watch watch) {
    long after = watch.afterSeq;
    String instance = watch.instance;
    while (!Thread.currentThread().isInterrupted() && watches.get(vm) == watch) {
      try {
        EventPage page = sidecar.events(watch.endpoint, after, POLL_WAIT);
        boolean resync = !page.instance().equals(instance) || page.gap();
        boolean changed = newToTheOperator(page.events(), watch.knownRunState);
        if (resync || changed) {
          log.debug(
              "{}: {} → reconcile",
              vm,
              resync
                  ? "sidecar restarted or events lost"
                  : page.events().get(page.events().size() - 1).name());
          propagateEvent(vm);
        }
        instance = page.instance();
        after = page.lastSeq();
      } catch (SidecarException e) {
        if (e.getCause() instanceof InterruptedException) {
          return;
        }
        try {
          Thread.sleep(RETRY_AFTER);
        } catch (InterruptedException interrupted) {
          return;
        }
      }
    }
  }

  private static final class Watch {
    final SidecarEndpoint endpoint;
    final String instance;
    final long afterSeq;
    volatile String knownRunState;
    private Thread thread;

    Watch(SidecarEndpoint endpoint, String instance, long afterSeq) {
      this.endpoint = endpoint;
      this.instance = instance;
      this.afterSeq = afterSeq;
    }

    synchronized void startOnce(Runnable loop, String name) {
      if (thread == null) {
        thread = Thread.ofVirtual().name(name).start(loop);
      }
    }

    synchronized boolean running() {
      return thread == null || thread.isAlive();
    }

    synchronized void stop() {
      if (thread != null) {
        thread.interrupt();
      }
    }
  }
}
