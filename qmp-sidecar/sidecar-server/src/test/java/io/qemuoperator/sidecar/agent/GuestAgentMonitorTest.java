package io.qemuoperator.sidecar.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.qemuoperator.sidecar.api.GuestAgentState;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The guest agent monitor against a fake agent speaking QGA on a unix socket. */
class GuestAgentMonitorTest {
  private static final GuestAgentMonitor.Timing FAST =
      new GuestAgentMonitor.Timing(
          Duration.ofMillis(100), Duration.ofMillis(400), Duration.ofMillis(100));
  private static final Duration PATIENCE = Duration.ofSeconds(20);

  @TempDir Path dir;

  private final List<GuestAgentState> heard = new CopyOnWriteArrayList<>();
  private FakeGuestAgent agent;
  private GuestAgentMonitor monitor;

  private GuestAgentMonitor follow(Path socket) {
    monitor =
        GuestAgentMonitor.start(socket, new ObjectMapper(), FAST, Clock.systemUTC(), heard::add);
    return monitor;
  }

  @AfterEach
  void close() throws Exception {
    if (monitor != null) {
      monitor.close();
    }
    if (agent != null) {
      agent.close();
    }
  }

  @Test
  void anAnsweringAgentIsReportedWithWhatItTellsOfTheGuest() throws Exception {
    Path socket = dir.resolve("qga.sock");
    agent = new FakeGuestAgent(socket);

    follow(socket);

    await().atMost(PATIENCE).until(() -> monitor.state().answering());
    GuestAgentState state = monitor.state();
    await().atMost(PATIENCE).until(() -> monitor.state().hostname() != null);
    state = monitor.state();
    assertThat(state.connected()).isTrue();
    assertThat(state.lastAnswer()).isNotNull();
    assertThat(state.osName()).isEqualTo("Debian GNU/Linux");
    assertThat(state.osVersion()).isEqualTo("12 (bookworm)");
    assertThat(state.osPrettyName()).isEqualTo("Debian GNU/Linux 12 (bookworm)");
    assertThat(state.kernelRelease()).isEqualTo("6.1.0-28-cloud-amd64");
    assertThat(state.hostname()).isEqualTo("fake-guest");
    assertThat(state.agentVersion()).isEqualTo("7.2.15");
    assertThat(state.problem()).isNull();
    assertThat(agent.received())
        .startsWith(
            "guest-sync-delimited", "guest-info", "guest-get-osinfo", "guest-get-host-name");
    await().atMost(PATIENCE).until(() -> agent.received().contains("guest-ping"));
    assertThat(agent.received())
        .containsOnly(
            "guest-sync-delimited",
            "guest-info",
            "guest-get-osinfo",
            "guest-get-host-name",
            "guest-ping");
    // whoever hears "answering" finds what the agent told of the guest already there
    assertThat(heard)
        .filteredOn(GuestAgentState::answering)
        .first()
        .satisfies(
            first -> {
              assertThat(first.hostname()).isEqualTo("fake-guest");
              assertThat(first.osPrettyName()).isEqualTo("Debian GNU/Linux 12 (bookworm)");
            });
  }

  @Test
  void aHostNameSetLaterIsReadAgainAndHeard() throws Exception {
    Path socket = dir.resolve("qga.sock");
    agent = new FakeGuestAgent(socket);
    follow(socket);
    await().atMost(PATIENCE).until(() -> "fake-guest".equals(monitor.state().hostname()));

    agent.hostname("web-1"); // cloud-init's local-hostname, after the agent started

    await().atMost(PATIENCE).until(() -> "web-1".equals(monitor.state().hostname()));
    assertThat(monitor.state().answering()).isTrue();
    assertThat(heard).anyMatch(state -> "web-1".equals(state.hostname()));
  }

  @Test
  void staleBytesBeforeTheSyncAnswerAreDropped() throws Exception {
    Path socket = dir.resolve("qga.sock");
    agent = new FakeGuestAgent(socket);
    // a late answer of an earlier client's command and half a message, before the sentinel
    agent.staleBeforeNextAnswer("{\"return\": 12345}\n{\"return\": {\"host-na");

    follow(socket);

    await().atMost(PATIENCE).until(() -> monitor.state().hostname() != null);
    assertThat(monitor.state().answering()).isTrue();
    assertThat(monitor.state().hostname()).isEqualTo("fake-guest");
  }

  @Test
  void anAgentThatStopsAnsweringIsNotAnsweringAndItsLateAnswersAreDropped() throws Exception {
    Path socket = dir.resolve("qga.sock");
    agent = new FakeGuestAgent(socket);
    follow(socket);
    await().atMost(PATIENCE).until(() -> monitor.state().hostname() != null);

    agent.silent(true);

    await().atMost(PATIENCE).until(() -> !monitor.state().answering());
    GuestAgentState down = monitor.state();
    assertThat(down.connected()).isTrue();
    assertThat(down.problem()).contains("no answer to guest-");
    assertThat(down.lastAnswer()).isNotNull();
    // what it tells of the guest stays as read while QEMU's socket holds
    assertThat(down.hostname()).isEqualTo("fake-guest");
    int before = agent.received().size();
    // a sync is sent again meanwhile
    await()
        .atMost(PATIENCE)
        .until(
            () ->
                agent
                    .received()
                    .subList(before, agent.received().size())
                    .contains("guest-sync-delimited"));

    // every held-back command is answered now, late: pings and syncs with old ids
    agent.silent(false);

    await().atMost(PATIENCE).until(() -> monitor.state().answering());
    assertThat(monitor.state().problem()).isNull();
    assertThat(heard.stream().map(GuestAgentState::answering).toList())
        .containsSubsequence(true, false, true);
  }

  @Test
  void aDisconnectingAgentIsDisconnectedThenFollowedAgain() throws Exception {
    Path socket = dir.resolve("qga.sock");
    agent = new FakeGuestAgent(socket);
    follow(socket);
    await().atMost(PATIENCE).until(() -> monitor.state().hostname() != null);

    agent.close(); // QEMU stopped: the socket closes and nothing listens
    await().atMost(PATIENCE).until(() -> !monitor.state().connected());
    GuestAgentState gone = monitor.state();
    assertThat(gone.answering()).isFalse();
    assertThat(gone.hostname()).isNull();
    assertThat(gone.problem()).contains(socket.toString());

    java.nio.file.Files.delete(socket);
    agent = new FakeGuestAgent(socket); // a new QEMU
    await().atMost(PATIENCE).until(() -> monitor.state().answering());
    await().atMost(PATIENCE).until(() -> monitor.state().hostname() != null);
    assertThat(heard.stream().map(GuestAgentState::connected).toList())
        .containsSubsequence(true, false, true);
  }

  @Test
  void withoutQemuTheAgentIsNotConnected() {
    follow(dir.resolve("absent.sock"));

    await().atMost(PATIENCE).until(() -> monitor.state().problem().contains("absent.sock"));
    assertThat(monitor.state().connected()).isFalse();
    assertThat(monitor.state().answering()).isFalse();
  }
}
