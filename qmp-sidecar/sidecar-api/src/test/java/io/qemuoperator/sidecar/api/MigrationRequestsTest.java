package io.qemuoperator.sidecar.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The migration requests' checks: what may go into QEMU's {@code tcp:HOST:PORT} and figures. */
class MigrationRequestsTest {

  @ParameterizedTest
  @ValueSource(
      strings = {
        "10.1.2.3",
        "0.0.0.0",
        "255.255.255.255",
        "::",
        "::1",
        "fd00::1",
        "2001:db8:0:0:1:0:0:1",
        "2001:DB8::8:800:200C:417A",
        "::ffff:192.0.2.1",
        "1::",
        "target",
        "vm-1.default.svc.cluster.local",
        "10-1-2-3.default.pod.cluster.local",
        "example.com."
      })
  void acceptsLiteralsAndDnsNames(String host) {
    assertThat(new IncomingMigration(host, 4444).violations()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        " ",
        "10.1.2.3 ",
        "a b",
        "10.1.2.3,server=on",
        "host:4444",
        "[::1]",
        "::1::",
        "1:2:3:4:5:6:7:8:9",
        "1:2:3:4:5:6:7",
        "12345::1",
        "fe80::1%eth0",
        "256.1.1.1",
        "1.2.3",
        "-target",
        "target-",
        "a..b",
        "unix:/tmp/x",
        "exec:rm"
      })
  void refusesAnythingElse(String host) {
    assertThat(new IncomingMigration(host, 4444).violations())
        .singleElement()
        .asString()
        .startsWith(host.isEmpty() ? "host: must not be empty" : "host: must be an IPv4");
  }

  @Test
  void refusesANullHostAndPortsOutOfRange() {
    assertThat(new IncomingMigration(null, 0).violations())
        .containsExactly("host: must not be empty", "port: must be between 1 and 65535, got 0");
    assertThat(new IncomingMigration("::", 65536).violations())
        .containsExactly("port: must be between 1 and 65535, got 65536");
    assertThat(new IncomingMigration("::", 65535).violations()).isEmpty();
  }

  @Test
  void checksTheTuningOfAnOutgoingMigration() {
    assertThat(new OutgoingMigration("10.0.0.2", 4444, 0, 1, false, false).violations()).isEmpty();
    assertThat(
            new OutgoingMigration("10.0.0.2", 4444, 128L << 20, 2_000_000, true, true).violations())
        .isEmpty();
    assertThat(new OutgoingMigration("10.0.0.2", 4444, -1, 0, false, false).violations())
        .containsExactly(
            "maxBandwidth: must be >= 0 bytes per second (0: no cap), got -1",
            "downtimeLimitMs: must be between 1 and 2000000 ms, got 0");
    assertThat(new OutgoingMigration("x y", 0, 0, 2_000_001, false, false).violations()).hasSize(3);
  }

  @Test
  void requestsTravelAsTheirMembers() throws IOException {
    var outgoing = new OutgoingMigration("fd00::2", 4444, 33554432, 300, true, false);

    assertThat(Wire.JSON.writeValueAsString(outgoing))
        .isEqualTo(
            "{\"host\":\"fd00::2\",\"port\":4444,\"maxBandwidth\":33554432,\"downtimeLimitMs\":300,"
                + "\"autoConverge\":true,\"pauseFirst\":false}");
    assertThat(Wire.roundTrip(outgoing, OutgoingMigration.class)).isEqualTo(outgoing);
    assertThat(Wire.JSON.writeValueAsString(new IncomingMigration("0.0.0.0", 4444)))
        .isEqualTo("{\"host\":\"0.0.0.0\",\"port\":4444}");
  }

  @Test
  void aMigrationLeavesOutWhatQemuDidNotReport() throws IOException {
    var none =
        new MigrationInfo("none", null, null, null, null, null, null, null, null, null, null, null);

    assertThat(Wire.JSON.writeValueAsString(none)).isEqualTo("{\"status\":\"none\"}");
    assertThat(none.finished()).isTrue();
    var active =
        new MigrationInfo("active", 1L, 2L, 3L, 1L, 300L, null, 12L, 1L, null, 268.4, null);
    assertThat(active.finished()).isFalse();
    assertThat(Wire.roundTrip(active, MigrationInfo.class)).isEqualTo(active);
  }
}
