package io.qemuoperator.local;

import com.fasterxml.jackson.databind.JsonNode;
import io.qemuoperator.operator.sidecar.Sidecar;
import io.qemuoperator.operator.sidecar.SidecarEndpoint;
import io.qemuoperator.operator.sidecar.SidecarException;
import io.qemuoperator.operator.sidecar.VmSnapshot;
import io.qemuoperator.sidecar.api.EventPage;
import io.qemuoperator.sidecar.api.ImportProgress;
import io.qemuoperator.sidecar.api.IncomingMigration;
import io.qemuoperator.sidecar.api.MigrationInfo;
import io.qemuoperator.sidecar.api.OutgoingMigration;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The operator's own sidecar client, unchanged, with a fault injected at the moment the operator
 * acts: once {@link #arm armed} for a command, the next time the operator sends that command the
 * fault runs first (QEMU frozen, say), then the command goes to the real sidecar. From then on the
 * state reads and commands the operator makes are recorded, with what they returned, for the
 * scenario to check that it observed before it acted again.
 */
final class ActionFault implements Sidecar {
  private final Sidecar sidecar;
  private final AtomicReference<Armed> armed = new AtomicReference<>();
  private final CountDownLatch struck = new CountDownLatch(1);
  private final List<String> calls = new ArrayList<>();
  private volatile boolean recording;

  private record Armed(String command, Runnable fault) {}

  ActionFault(Sidecar sidecar) {
    this.sidecar = sidecar;
  }

  /** The next {@code command} the operator sends runs {@code fault} just before it leaves. */
  void arm(String command, Runnable fault) {
    armed.set(new Armed(command, fault));
  }

  /** Waits until the armed command was sent (its fault done); false after {@code timeout}. */
  boolean awaitStruck(Duration timeout) throws InterruptedException {
    return struck.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * The calls since the fault, in order: {@code state <run state>}, {@code state failed <class>},
   * {@code sent <command>} and its outcome, {@code <command> ok} or {@code <command> failed
   * <class>}.
   */
  synchronized List<String> callsSinceFault() {
    return List.copyOf(calls);
  }

  private synchronized void record(String call) {
    if (recording) {
      calls.add(call);
    }
  }

  @Override
  public VmSnapshot state(SidecarEndpoint endpoint) throws SidecarException {
    try {
      VmSnapshot snapshot = sidecar.state(endpoint);
      record("state " + snapshot.runState());
      return snapshot;
    } catch (SidecarException e) {
      record("state failed " + e.errorClass());
      throw e;
    }
  }

  @Override
  public JsonNode command(SidecarEndpoint endpoint, String command, Object arguments)
      throws SidecarException {
    Armed fault = armed.get();
    if (fault != null && fault.command().equals(command) && armed.compareAndSet(fault, null)) {
      fault.fault().run();
      recording = true;
      struck.countDown();
    }
    record("sent " + command);
    try {
      JsonNode answer = sidecar.command(endpoint, command, arguments);
      record(command + " ok");
      return answer;
    } catch (SidecarException e) {
      record(command + " failed " + e.errorClass());
      throw e;
    }
  }

  @Override
  public EventPage events(SidecarEndpoint endpoint, long after, Duration wait)
      throws SidecarException {
    return sidecar.events(endpoint, after, wait);
  }

  @Override
  public ImportProgress importProgress(SidecarEndpoint endpoint) throws SidecarException {
    return sidecar.importProgress(endpoint);
  }

  @Override
  public MigrationInfo migration(SidecarEndpoint endpoint) throws SidecarException {
    return sidecar.migration(endpoint);
  }

  @Override
  public void migrateIncoming(SidecarEndpoint endpoint, IncomingMigration migration)
      throws SidecarException {
    sidecar.migrateIncoming(endpoint, migration);
  }

  @Override
  public MigrationInfo migrateOutgoing(SidecarEndpoint endpoint, OutgoingMigration migration)
      throws SidecarException {
    return sidecar.migrateOutgoing(endpoint, migration);
  }

  @Override
  public void cancelMigration(SidecarEndpoint endpoint) throws SidecarException {
    sidecar.cancelMigration(endpoint);
  }
}
