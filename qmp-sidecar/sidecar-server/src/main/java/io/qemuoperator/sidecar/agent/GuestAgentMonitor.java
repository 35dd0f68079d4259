package io.qemuoperator.sidecar.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qemuoperator.sidecar.api.GuestAgentState;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the QEMU guest agent on QEMU's socket of the VM's virtio-serial port {@code
 * org.qemu.guest_agent.0}, on a thread of its own, and keeps {@link #state()}.
 *
 * <p>The agent's protocol (QGA: JSON commands and answers, one per line, no ids) is synchronised
 * with {@code guest-sync-delimited}: a random id, preceded by a {@code 0xFF} byte that makes the
 * agent drop partial input; the agent answers with {@code 0xFF} and the same id, and everything
 * before that answer (a late answer to an earlier command, half a line) is dropped. Then one
 * command at a time: {@code guest-info}, {@code guest-get-osinfo} and {@code guest-get-host-name}
 * after each synchronisation and again every {@link #REINTRODUCE_EVERY_PINGS} pings (before the
 * agent is reported answering, so whoever hears that finds the figures), and {@code guest-ping}
 * every {@link Timing#pingInterval()} otherwise. An answer missing its deadline makes the agent not
 * answering and starts a new synchronisation (the late answer is dropped by it); the socket closing
 * (QEMU stopped) makes it disconnected, and the monitor connects again after {@link
 * Timing#reconnectDelay()}.
 *
 * <p>Nothing of this is reachable through the sidecar's command API: QGA's commands are the
 * guest's, not QMP's, and only these read-only ones are ever sent.
 */
public final class GuestAgentMonitor implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(GuestAgentMonitor.class);

  /**
   * How often and how patiently the agent is asked.
   *
   * @param pingInterval between two {@code guest-ping}s while the agent answers, and between two
   *     synchronisation attempts while it does not
   * @param answerTimeout the deadline of one answer
   * @param reconnectDelay after QEMU's socket closed or refused
   */
  public record Timing(Duration pingInterval, Duration answerTimeout, Duration reconnectDelay) {
    /** Every 2 s, 3 s for an answer (a TCG guest under load is slow), reconnect after 1 s. */
    public static final Timing DEFAULT =
        new Timing(Duration.ofSeconds(2), Duration.ofSeconds(3), Duration.ofSeconds(1));
  }

  /** The figures are read again every this many pings (every 30 s by default). */
  static final int REINTRODUCE_EVERY_PINGS = 15;

  private final Path socket;
  private final ObjectMapper json;
  private final Timing timing;
  private final Clock clock;
  private final Consumer<GuestAgentState> onChange;
  private final AtomicReference<GuestAgentState> state =
      new AtomicReference<>(GuestAgentState.unknown("not connected yet"));
  private final SecureRandom random = new SecureRandom();
  private final Thread thread;
  private volatile boolean closed;
  private volatile QgaChannel current;

  private GuestAgentMonitor(
      Path socket,
      ObjectMapper json,
      Timing timing,
      Clock clock,
      Consumer<GuestAgentState> onChange) {
    this.socket = socket;
    this.json = json;
    this.timing = timing;
    this.clock = clock;
    this.onChange = onChange;
    this.thread = Thread.ofPlatform().daemon().name("guest-agent").unstarted(this::run);
  }

  /**
   * Starts following the agent behind {@code socket}; {@code onChange} hears each change of the
   * state but its {@code lastAnswer} and {@code problem}: connected, answering, the figures.
   */
  public static GuestAgentMonitor start(
      Path socket,
      ObjectMapper json,
      Timing timing,
      Clock clock,
      Consumer<GuestAgentState> onChange) {
    var monitor = new GuestAgentMonitor(socket, json, timing, clock, onChange);
    monitor.thread.start();
    return monitor;
  }

  public Path socket() {
    return socket;
  }

  /** The agent as last heard. */
  public GuestAgentState state() {
    return state.get();
  }

  private void run() {
    while (!closed) {
      try (QgaChannel channel = QgaChannel.connect(socket, json)) {
        current = channel;
        update(old -> withConnection(old, true, "the guest agent has not answered yet"));
        follow(channel);
      } catch (IOException e) {
        update(
            old ->
                new GuestAgentState(
                    false,
                    false,
                    old.lastAnswer(),
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    "QEMU's guest agent socket " + socket + ": " + message(e)));
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        log.warn("guest agent monitor: {}", e.toString());
        update(old -> withConnection(old, false, "the sidecar failed: " + e));
      } finally {
        current = null;
      }
      if (!pause(timing.reconnectDelay())) {
        return;
      }
    }
  }

  /** Synchronises, reads the guest's figures, then pings until the connection ends. */
  private void follow(QgaChannel channel) throws IOException, InterruptedException {
    while (!closed) {
      if (!sync(channel)) {
        update(old -> notAnswering(old, "no answer to guest-sync-delimited"));
        if (!pause(timing.pingInterval())) {
          return;
        }
        continue;
      }
      // what it tells of the guest first: whoever hears "answering" finds the figures there
      if (!introduce(channel)) {
        update(
            old -> notAnswering(old, "no answer to guest-info, guest-get-osinfo or its host name"));
        continue; // synchronise again
      }
      answered();
      int pings = 0;
      while (!closed) {
        if (!pause(timing.pingInterval())) {
          return;
        }
        // now and then the figures again (cloud-init may set the host name after the agent started)
        boolean answers =
            ++pings % REINTRODUCE_EVERY_PINGS == 0
                ? introduce(channel)
                : ask(channel, "guest-ping").isPresent();
        if (!answers) {
          update(
              old ->
                  notAnswering(
                      old,
                      "no answer to guest-ping within "
                          + timing.answerTimeout().toMillis()
                          + " ms"));
          break; // synchronise again: a late answer must not be taken for the next one's
        }
        answered();
      }
    }
  }

  /**
   * {@code guest-sync-delimited} with a random id; true when the agent answered with that id in
   * time (everything before that answer is dropped).
   */
  private boolean sync(QgaChannel channel) throws IOException, InterruptedException {
    long id = random.nextLong(1, Integer.MAX_VALUE);
    ObjectNode command = json.createObjectNode().put("execute", "guest-sync-delimited");
    command.putObject("arguments").put("id", id);
    channel.send(command, true);
    Instant deadline = clock.instant().plus(timing.answerTimeout());
    while (true) {
      Duration left = Duration.between(clock.instant(), deadline);
      if (left.isNegative() || left.isZero()) {
        return false;
      }
      Optional<JsonNode> answer = channel.next(left);
      if (answer.isEmpty()) {
        return false;
      }
      JsonNode value = answer.get().get("return");
      if (value != null && value.isIntegralNumber() && value.asLong() == id) {
        return true;
      }
    }
  }

  /** One command after a synchronisation; its {@code return}, empty without an answer in time. */
  private Optional<JsonNode> ask(QgaChannel channel, String command)
      throws IOException, InterruptedException {
    channel.send(json.createObjectNode().put("execute", command), false);
    return channel.next(timing.answerTimeout());
  }

  /**
   * What the agent tells about the guest, after each synchronisation (a guest that rebooted may run
   * another system); false when an answer missed its deadline.
   */
  private boolean introduce(QgaChannel channel) throws IOException, InterruptedException {
    Optional<JsonNode> info = ask(channel, "guest-info");
    if (info.isEmpty()) {
      return false;
    }
    Optional<JsonNode> os = ask(channel, "guest-get-osinfo");
    if (os.isEmpty()) {
      return false;
    }
    Optional<JsonNode> host = ask(channel, "guest-get-host-name");
    if (host.isEmpty()) {
      return false;
    }
    String version = info.map(a -> text(a.path("return"), "version")).orElse(null);
    JsonNode osInfo = os.map(a -> a.path("return")).orElse(json.missingNode());
    String hostname = host.map(a -> text(a.path("return"), "host-name")).orElse(null);
    update(
        old ->
            new GuestAgentState(
                old.connected(),
                old.answering(),
                old.lastAnswer(),
                text(osInfo, "name"),
                text(osInfo, "version"),
                text(osInfo, "pretty-name"),
                text(osInfo, "kernel-release"),
                hostname,
                version,
                old.problem()));
    return true;
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value != null && value.isTextual() ? value.asText() : null;
  }

  private void answered() {
    Instant now = clock.instant();
    update(
        old ->
            new GuestAgentState(
                true,
                true,
                now,
                old.osName(),
                old.osVersion(),
                old.osPrettyName(),
                old.kernelRelease(),
                old.hostname(),
                old.agentVersion(),
                null));
  }

  private static GuestAgentState notAnswering(GuestAgentState old, String problem) {
    return new GuestAgentState(
        true,
        false,
        old.lastAnswer(),
        old.osName(),
        old.osVersion(),
        old.osPrettyName(),
        old.kernelRelease(),
        old.hostname(),
        old.agentVersion(),
        problem);
  }

  private static GuestAgentState withConnection(
      GuestAgentState old, boolean connected, String problem) {
    return new GuestAgentState(
        connected, false, old.lastAnswer(), null, null, null, null, null, null, problem);
  }

  private void update(java.util.function.UnaryOperator<GuestAgentState> change) {
    GuestAgentState before = state.getAndUpdate(change);
    GuestAgentState after = state.get();
    if (!withoutTimes(before).equals(withoutTimes(after))) {
      log.info(
          "guest agent: {}{}",
          after.answering() ? "answering" : after.connected() ? "not answering" : "disconnected",
          after.problem() == null ? "" : " (" + after.problem() + ")");
      try {
        onChange.accept(after);
      } catch (RuntimeException e) {
        log.warn("guest agent listener failed: {}", e.toString());
      }
    }
  }

  /** What a listener hears of: everything but the time of the last answer and the problem. */
  private static GuestAgentState withoutTimes(GuestAgentState state) {
    return new GuestAgentState(
        state.connected(),
        state.answering(),
        null,
        state.osName(),
        state.osVersion(),
        state.osPrettyName(),
        state.kernelRelease(),
        state.hostname(),
        state.agentVersion(),
        null);
  }

  private boolean pause(Duration duration) {
    try {
      Thread.sleep(duration);
      return !closed;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static String message(IOException e) {
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  @Override
  public void close() {
    closed = true;
    QgaChannel channel = current;
    if (channel != null) {
      channel.close();
    }
    thread.interrupt();
    try {
      thread.join(Duration.ofSeconds(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
