package io.qemuoperator.bench.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.qemuoperator.operator.sidecar.SidecarClient;
import io.qemuoperator.operator.sidecar.SidecarEndpoint;
import io.qemuoperator.operator.sidecar.SidecarException;
import io.qemuoperator.operator.sidecar.VmSnapshot;
import io.qemuoperator.sidecar.api.SequencedEvent;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The simulated sidecar speaks the contract the operator's own client reads. */
class SidecarSimulatorTest {
  private static final String TOKEN = "simulated-token-0123456789";

  private final SidecarClient client = SidecarClient.withDefaults();
  private SidecarSimulator simulator;
  private SidecarEndpoint endpoint;

  @BeforeEach
  void start() throws Exception {
    simulator = new SidecarSimulator(0);
    simulator.add(
        InetAddress.getByName("127.0.0.1"),
        new SimulatedQemu(TOKEN, 1L << 30, Map.of("root", 10L << 30), 4242));
    endpoint = SidecarEndpoint.of("127.0.0.1", simulator.port(), TOKEN);
  }

  @AfterEach
  void stop() {
    simulator.close();
  }

  @Test
  void theOperatorReadsTheSimulatedState() throws Exception {
    VmSnapshot snapshot = client.state(endpoint);

    assertThat(snapshot.runState()).isEqualTo("prelaunch");
    assertThat(snapshot.balloonActual()).hasValue(1L << 30);
    assertThat(snapshot.observed().diskBytes()).containsExactly(Map.entry("root", 10L << 30));
    assertThat(snapshot.cpus()).containsExactly(new VmSnapshot.CpuState(0, 4242));
    assertThat(snapshot.maxBandwidth()).hasValue(134217728);
    assertThat(snapshot.downtimeLimitMillis()).hasValue(300);
    assertThat(snapshot.migrationStatus()).isEqualTo("none");
  }

  @Test
  void commandsChangeTheStateAndAreAnnouncedAsEvents() throws Exception {
    long after = client.events(endpoint, 0, Duration.ZERO).lastSeq();

    client.command(endpoint, "cont", null);

    var page = client.events(endpoint, after, Duration.ZERO);
    assertThat(page.events()).extracting(SequencedEvent::name).containsExactly("RESUME");
    assertThat(page.events()).extracting(SequencedEvent::seq).containsExactly(after + 1);
    assertThat(client.state(endpoint).runState()).isEqualTo("running");
    assertThat(client.state(endpoint).eventSeq()).isEqualTo(page.lastSeq());
  }

  @Test
  void refusalsReadAsTheContractsErrors() {
    assertThatThrownBy(() -> client.command(endpoint, "no-such-command", null))
        .isInstanceOfSatisfying(
            SidecarException.class,
            e -> {
              assertThat(e.status()).isEqualTo(404);
              assertThat(e.errorClass()).isEqualTo("CommandNotFound");
            });
    var wrongToken = SidecarEndpoint.of("127.0.0.1", simulator.port(), "wrong-token-0123456789");
    assertThatThrownBy(() -> client.state(wrongToken))
        .isInstanceOfSatisfying(
            SidecarException.class, e -> assertThat(e.errorClass()).isEqualTo("Unauthorized"));
  }
}
