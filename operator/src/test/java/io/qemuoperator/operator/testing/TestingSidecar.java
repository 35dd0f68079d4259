package io.qemuoperator.operator.testing;

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
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The sidecars of every VM pod, in memory: one {@link TestingQemu} per pod, found by the pod IP in
 * the endpoint the operator calls. An unknown address is unreachable (status 0), a wrong token is
 * refused (401), and a QEMU that has quit answers 503. Every command the operator sends is recorded
 * with the address it went to. The state and events are the wire contract's records, read by the
 * operator's own {@link VmSnapshot#from}, as the real sidecar's are.
 *
 * <p>{@link #close()} ends every waiting {@code /v1/events} call at once and refuses the calls
 * after it.
 */
public final class TestingSidecar implements Sidecar, AutoCloseable {

  /** A command the operator sent: to which pod IP, with which arguments, when. */
  public record Sent(String host, String command, Object arguments, Instant at) {}

  private final Map<String, TestingQemu> qemus = new ConcurrentHashMap<>();
  private final List<Sent> sent = new CopyOnWriteArrayList<>();

  /** Commands (host + "/" + name) that QEMU runs once more, answered 504 as a deadline would. */
  private final Map<String, Integer> answeredWithoutOutcome = new ConcurrentHashMap<>();

  private volatile boolean closed;

  /** Starts {@code qemu} in the pod at {@code host}. */
  public void start(String host, TestingQemu qemu) {
    if (closed) {
      throw new IllegalStateException("closed");
    }
    qemus.put(host, qemu);
  }

  /**
   * The next {@code command} to the pod at {@code host} reaches QEMU, which runs it, but its answer
   * does not come back in time: the sidecar answers 504 (its command deadline), whose outcome the
   * operator cannot know.
   */
  public void runButAnswerTimeout(String host, String command) {
    answeredWithoutOutcome.merge(host + "/" + command, 1, Integer::sum);
  }

  /** Whether a 504 was asked for {@code key}, counting it off. */
  private boolean takeTimeout(String key) {
    boolean[] taken = {false};
    answeredWithoutOutcome.computeIfPresent(
        key,
        (k, n) -> {
          taken[0] = true;
          return n > 1 ? n - 1 : null;
        });
    return taken[0];
  }

  /** The pod at {@code host} is gone, and its QEMU and sidecar with it. */
  public void remove(String host) {
    TestingQemu qemu = qemus.remove(host);
    if (qemu != null) {
      qemu.remove();
    }
  }

  /** The QEMU of the pod at {@code host}, or null when there is none. */
  public TestingQemu qemu(String host) {
    return qemus.get(host);
  }

  /** The names of the commands sent to the pod at {@code host}, in order. */
  public List<String> commandsTo(String host) {
    return sent.stream().filter(s -> s.host().equals(host)).map(Sent::command).toList();
  }

  /** Every command sent to the pod at {@code host}, in order. */
  public List<Sent> sentTo(String host) {
    return sent.stream().filter(s -> s.host().equals(host)).toList();
  }

  @Override
  public VmSnapshot state(SidecarEndpoint endpoint) throws SidecarException {
    return VmSnapshot.from(reach(endpoint).state());
  }

  @Override
  public JsonNode command(SidecarEndpoint endpoint, String command, Object arguments)
      throws SidecarException {
    TestingQemu qemu = reach(endpoint);
    String host = endpoint.base().getHost();
    sent.add(new Sent(host, command, arguments, Instant.now()));
    JsonNode answer = qemu.execute(command, arguments);
    if (takeTimeout(host + "/" + command)) {
      throw new SidecarException(
          504, "Timeout", "QEMU did not answer " + command + " within the command deadline", null);
    }
    return answer;
  }

  @Override
  public EventPage events(SidecarEndpoint endpoint, long after, Duration wait)
      throws SidecarException {
    TestingQemu qemu = reach(endpoint);
    try {
      return qemu.events(after, wait);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SidecarException(0, "Interrupted", "interrupted waiting for events", e);
    }
  }

  /** No importer runs behind these doubles: the call finds nothing listening. */
  @Override
  public ImportProgress importProgress(SidecarEndpoint endpoint) throws SidecarException {
    throw new SidecarException(0, "Unreachable", endpoint.base() + ": no importer there", null);
  }

  /** These doubles cannot migrate: the call is refused as a QEMU without migration would be. */
  @Override
  public MigrationInfo migration(SidecarEndpoint endpoint) throws SidecarException {
    throw noMigration(endpoint);
  }

  @Override
  public void migrateIncoming(SidecarEndpoint endpoint, IncomingMigration migration)
      throws SidecarException {
    throw noMigration(endpoint);
  }

  @Override
  public MigrationInfo migrateOutgoing(SidecarEndpoint endpoint, OutgoingMigration migration)
      throws SidecarException {
    throw noMigration(endpoint);
  }

  @Override
  public void cancelMigration(SidecarEndpoint endpoint) throws SidecarException {
    throw noMigration(endpoint);
  }

  private SidecarException noMigration(SidecarEndpoint endpoint) throws SidecarException {
    reach(endpoint);
    return new SidecarException(
        501, "Unavailable", "the in-memory sidecar doubles do not migrate", null);
  }

  private TestingQemu reach(SidecarEndpoint endpoint) throws SidecarException {
    String host = endpoint.base().getHost();
    TestingQemu qemu = closed ? null : qemus.get(host);
    if (qemu == null) {
      throw new SidecarException(0, "Unreachable", endpoint.base() + ": no sidecar there", null);
    }
    if (!qemu.token().equals(endpoint.token())) {
      throw new SidecarException(401, "Unauthorized", "wrong bearer token", null);
    }
    return qemu;
  }

  @Override
  public void close() {
    closed = true;
    List.copyOf(qemus.keySet()).forEach(this::remove);
  }
}
