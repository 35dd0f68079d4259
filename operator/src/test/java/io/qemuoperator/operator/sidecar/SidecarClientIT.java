package io.qemuoperator.operator.sidecar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.qemuoperator.qmp.types.BlockResizeArguments;
import io.qemuoperator.qmp.types.MigrateSetSpeedArguments;
import io.qemuoperator.sidecar.Sidecar;
import io.qemuoperator.sidecar.SidecarConfig;
import io.qemuoperator.testing.RawQmp;
import io.qemuoperator.testing.TestingQemu;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The operator's sidecar client against the real sidecar and real QEMU. */
class SidecarClientIT {
  private TestingQemu qemu;
  private Sidecar sidecar;
  private SidecarEndpoint endpoint;
  private final SidecarClient client = SidecarClient.withDefaults();

  @BeforeEach
  void start() throws Exception {
    qemu = TestingQemu.start();
    String token = UUID.randomUUID().toString();
    var tokenFile = Files.writeString(qemu.dir().resolve("token"), token);
    sidecar =
        Sidecar.start(
            new SidecarConfig(
                qemu.qmpSocket(),
                new InetSocketAddress("127.0.0.1", 0),
                tokenFile,
                Set.of(),
                SidecarConfig.DEFAULT_MAX_BODY_BYTES));
    endpoint = SidecarEndpoint.of("127.0.0.1", sidecar.address().getPort(), token);
    Awaitility.await()
        .atMost(Duration.ofSeconds(15))
        .ignoreExceptions()
        .until(() -> client.state(endpoint) != null);
  }

  @AfterEach
  void stop() {
    if (sidecar != null) {
      sidecar.close();
    }
    if (qemu != null) {
      qemu.close();
    }
  }

  @Test
  void theSnapshotIsTypedFromWhatQemuReports() throws Exception {
    client.command(endpoint, "block_resize", new BlockResizeArguments("drive0", 128L << 20));
    client.command(endpoint, "migrate_set_speed", new MigrateSetSpeedArguments(32L << 20));

    VmSnapshot snapshot = client.state(endpoint);

    assertThat(snapshot.instance()).isEqualTo(sidecar.instance());
    assertThat(snapshot.runState()).isEqualTo("prelaunch");
    assertThat(snapshot.qemuVersion()).matches("\\d+\\.\\d+\\.\\d+");
    assertThat(snapshot.kvmEnabled()).isFalse();
    assertThat(snapshot.balloonActual()).hasValue(128L << 20);
    assertThat(snapshot.cpus()).hasSize(2);
    assertThat(snapshot.cpus().get(1).index()).isEqualTo(1);
    assertThat(snapshot.maxBandwidth()).hasValue(32L << 20);
    assertThat(snapshot.downtimeLimitMillis()).hasValue(300);
    assertThat(snapshot.disks())
        .filteredOn(d -> d.device().equals("drive0"))
        .singleElement()
        .satisfies(
            d -> {
              assertThat(d.sizeBytes()).isEqualTo(128L << 20);
              assertThat(d.format()).isEqualTo("qcow2");
              assertThat(d.readOnly()).isFalse();
            });
    assertThat(snapshot.observed().diskBytes()).containsEntry("drive0", 128L << 20);
  }

  @Test
  void qemuErrorsAndRefusalsKeepTheirClassAndAreNotTransient() {
    assertThatThrownBy(
            () -> client.command(endpoint, "block_resize", new BlockResizeArguments("nosuch", 1)))
        .isInstanceOfSatisfying(
            SidecarException.class,
            e -> {
              assertThat(e.status()).isEqualTo(422);
              assertThat(e.errorClass()).isEqualTo("GenericError");
              assertThat(e.desc()).contains("nosuch");
              assertThat(e.isTransient()).isFalse();
            });
    var wrongToken = new SidecarEndpoint(endpoint.base(), "not-the-token-at-all");
    assertThatThrownBy(() -> client.state(wrongToken))
        .isInstanceOfSatisfying(SidecarException.class, e -> assertThat(e.status()).isEqualTo(401));
  }

  @Test
  void unreachableAndDisconnectedAreTransient() {
    var nobody = SidecarEndpoint.of("127.0.0.1", 1, "x");
    assertThatThrownBy(() -> client.state(nobody))
        .isInstanceOfSatisfying(
            SidecarException.class,
            e -> {
              assertThat(e.status()).isZero();
              assertThat(e.isTransient()).isTrue();
            });
    qemu.kill();
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThatThrownBy(() -> client.state(endpoint))
                    .isInstanceOfSatisfying(
                        SidecarException.class,
                        e -> {
                          assertThat(e.status()).isEqualTo(503);
                          assertThat(e.isTransient()).isTrue();
                        }));
  }

  @Test
  void eventsArriveByLongPollWithTheInstanceId() throws Exception {
    long after = client.events(endpoint, 0, Duration.ZERO).lastSeq();
    try (var observer = RawQmp.connect(qemu.observerSocket())) {
      observer.execute("cont", null); // out of band: not through the sidecar
    }
    EventPage page = client.events(endpoint, after, Duration.ofSeconds(10));
    assertThat(page.instance()).isEqualTo(sidecar.instance());
    assertThat(page.events()).extracting(EventPage.QmpEventRecord::name).contains("RESUME");
    assertThat(page.gap()).isFalse();
  }
}
