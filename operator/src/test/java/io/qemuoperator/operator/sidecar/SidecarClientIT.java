package io.qemuoperator.operator.sidecar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.qemuoperator.qmp.types.BlockResizeArguments;
import io.qemuoperator.qmp.types.MigrateSetSpeedArguments;
import io.qemuoperator.sidecar.Sidecar;
import io.qemuoperator.sidecar.SidecarConfig;
import io.qemuoperator.sidecar.api.EventPage;
import io.qemuoperator.sidecar.api.IncomingMigration;
import io.qemuoperator.sidecar.api.MigrationInfo;
import io.qemuoperator.sidecar.api.MigrationTls;
import io.qemuoperator.sidecar.api.OutgoingMigration;
import io.qemuoperator.sidecar.api.SequencedEvent;
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

/**
 * The operator's sidecar client against the real sidecar and real QEMU: the operator's half of the
 * wire contract's test (sidecar-server's {@code SidecarContractIT} is the sidecar's). What the
 * sidecar writes is read by the operator's own reader ({@link SidecarClient}, {@link
 * VmSnapshot#from}) and compared with what QEMU answers on a second, independent monitor.
 */
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
  void theSnapshotIsWhatQemuItselfReports() throws Exception {
    client.command(endpoint, "cont", null);

    VmSnapshot snapshot = client.state(endpoint);

    try (var observer = RawQmp.connect(qemu.observerSocket())) {
      var version = observer.greeting().at("/QMP/version/qemu");
      assertThat(snapshot.qemuVersion())
          .isEqualTo(
              version.path("major").asInt()
                  + "."
                  + version.path("minor").asInt()
                  + "."
                  + version.path("micro").asInt());
      assertThat(snapshot.runState()).isEqualTo(observer.runState()).isEqualTo("running");
      var kvm = observer.execute("query-kvm", null).path("return");
      assertThat(snapshot.kvmEnabled()).isEqualTo(kvm.path("enabled").asBoolean());
      assertThat(snapshot.kvmPresent()).isEqualTo(kvm.path("present").asBoolean());
      assertThat(snapshot.balloonActual())
          .hasValue(observer.execute("query-balloon", null).at("/return/actual").asLong());
      assertThat(snapshot.baseMemory())
          .hasValue(
              observer
                  .execute("query-memory-size-summary", null)
                  .at("/return/base-memory")
                  .asLong());
      var parameters = observer.execute("query-migrate-parameters", null).path("return");
      assertThat(snapshot.maxBandwidth()).hasValue(parameters.path("max-bandwidth").asLong());
      assertThat(snapshot.downtimeLimitMillis())
          .hasValue(parameters.path("downtime-limit").asLong());
      assertThat(snapshot.migrationStatus()).isEqualTo("none");
      var threads = new java.util.ArrayList<Long>();
      observer
          .execute("query-cpus-fast", null)
          .path("return")
          .forEach(cpu -> threads.add(cpu.path("thread-id").asLong()));
      assertThat(snapshot.cpus()).extracting(VmSnapshot.CpuState::threadId).isEqualTo(threads);
      var sizes = new java.util.LinkedHashMap<String, Long>();
      observer
          .execute("query-block", null)
          .path("return")
          .forEach(
              block ->
                  sizes.put(
                      block.path("device").asText(),
                      block.at("/inserted/image/virtual-size").asLong()));
      assertThat(snapshot.observed().diskBytes()).isEqualTo(sizes);
      assertThat(snapshot.disks())
          .filteredOn(d -> d.device().equals("cd0"))
          .singleElement()
          .satisfies(cd -> assertThat(cd.readOnly()).isTrue());
    }
    assertThat(snapshot.eventSeq())
        .as("the snapshot knows cont's RESUME")
        .isEqualTo(client.events(endpoint, 0, Duration.ZERO).lastSeq())
        .isPositive();
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
  void eventsArriveInQemusOrderWithConsecutiveNumbers() throws Exception {
    long after = client.events(endpoint, 0, Duration.ZERO).lastSeq();
    try (var observer = RawQmp.connect(qemu.observerSocket())) {
      observer.execute("cont", null);
      observer.execute("stop", null);
      observer.execute("cont", null);
    }
    var page = new java.util.concurrent.atomic.AtomicReference<EventPage>();
    Awaitility.await("three events")
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> {
              page.set(client.events(endpoint, after, Duration.ofSeconds(5)));
              return page.get().events().size() >= 3;
            });

    assertThat(page.get().events())
        .extracting(SequencedEvent::name)
        .containsExactly("RESUME", "STOP", "RESUME");
    assertThat(page.get().events())
        .extracting(SequencedEvent::seq)
        .containsExactly(after + 1, after + 2, after + 3);
    assertThat(page.get().lastSeq()).isEqualTo(after + 3);
    assertThat(page.get().gap()).isFalse();
  }

  @Test
  void eventsArriveByLongPollWithTheInstanceId() throws Exception {
    long after = client.events(endpoint, 0, Duration.ZERO).lastSeq();
    try (var observer = RawQmp.connect(qemu.observerSocket())) {
      observer.execute("cont", null); // out of band: not through the sidecar
    }
    EventPage page = client.events(endpoint, after, Duration.ofSeconds(10));
    assertThat(page.instance()).isEqualTo(sidecar.instance());
    assertThat(page.events()).extracting(SequencedEvent::name).contains("RESUME");
    assertThat(page.gap()).isFalse();
  }

  @Test
  void migrationCallsReadTheSidecarsAnswersAndRefusals() throws Exception {
    assertThat(client.migration(endpoint).status()).isEqualTo(MigrationInfo.NONE);
    client.cancelMigration(endpoint); // nothing to cancel: QEMU does nothing

    assertThatThrownBy(() -> client.migrateIncoming(endpoint, new IncomingMigration("::", 4444)))
        .isInstanceOfSatisfying(
            SidecarException.class,
            e -> {
              assertThat(e.status()).isEqualTo(409);
              assertThat(e.errorClass()).isEqualTo("NotIncoming");
            });
    assertThatThrownBy(
            () ->
                client.migrateOutgoing(
                    endpoint, new OutgoingMigration("127.0.0.1", 4444, 0, 300, false, false)))
        .as("a QEMU that never ran (prelaunch)")
        .isInstanceOfSatisfying(
            SidecarException.class,
            e -> {
              assertThat(e.status()).isEqualTo(409);
              assertThat(e.errorClass()).isEqualTo("NotMigratable");
              assertThat(e.desc()).contains("prelaunch");
            });
    assertThatThrownBy(
            () ->
                client.migrateOutgoing(
                    endpoint, new OutgoingMigration("a b", 4444, 0, 0, false, false)))
        .isInstanceOfSatisfying(
            SidecarException.class,
            e -> {
              assertThat(e.status()).isEqualTo(400);
              assertThat(e.errorClass()).isEqualTo("InvalidArguments");
              assertThat(e.desc()).contains("host:").contains("downtimeLimitMs:");
            });
  }

  @Test
  void migrationCredentialsTravelInTheBodyAndAreCheckedWithoutBeingRepeated() {
    String certificate = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    String key = "-----BEGIN EC PRIVATE KEY-----\nc2VjcmV0\n-----END EC PRIVATE KEY-----\n";

    assertThatThrownBy(
            () ->
                client.migrateIncoming(
                    endpoint,
                    new IncomingMigration(
                        "::", 4444, MigrationTls.incoming(certificate, certificate, key))))
        .as("read and checked, then refused for QEMU's state")
        .isInstanceOfSatisfying(
            SidecarException.class, e -> assertThat(e.errorClass()).isEqualTo("NotIncoming"));
    assertThatThrownBy(
            () ->
                client.migrateOutgoing(
                    endpoint,
                    new OutgoingMigration(
                        "127.0.0.1",
                        4444,
                        0,
                        300,
                        false,
                        true,
                        new MigrationTls(certificate, key, certificate, "Target"))))
        .isInstanceOfSatisfying(
            SidecarException.class,
            e -> {
              assertThat(e.status()).isEqualTo(400);
              assertThat(e.desc())
                  .contains("tls.certificate:", "tls.privateKey:", "tls.hostname:")
                  .doesNotContain("c2VjcmV0");
            });
  }
}
