package io.qemuoperator.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import io.qemuoperator.sidecar.api.IncomingMigration;
import io.qemuoperator.sidecar.api.MigrationTls;
import io.qemuoperator.sidecar.api.OutgoingMigration;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What a migration request's body must be before QEMU is asked anything. */
class MigrationRequestBodiesTest {
  private final MigrationRequests requests = new MigrationRequests();

  @Test
  void aCompleteBodyIsItsRecord() {
    assertThat(requests.incoming(bytes("{\"host\":\"::\",\"port\":4444}")))
        .isEqualTo(new MigrationRequests.Read.Valid<>(new IncomingMigration("::", 4444)));
    assertThat(
            requests.outgoing(
                bytes(
                    "{\"host\":\"10.0.0.2\",\"port\":4444,\"maxBandwidth\":0,"
                        + "\"downtimeLimitMs\":300,\"autoConverge\":true,\"pauseFirst\":true}")))
        .isEqualTo(
            new MigrationRequests.Read.Valid<>(
                new OutgoingMigration("10.0.0.2", 4444, 0, 300, true, true)));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "null",
        "[]",
        "{}",
        "{\"host\":\"::\"}",
        "{\"host\":\"::\",\"port\":4444,\"uri\":\"exec:rm -rf /\"}",
        "{\"host\":\"::\",\"port\":\"4444\"}",
        "{\"host\":\"::\",\"port\":4444.5}",
        "{\"host\":\"::\",\"port\":null}",
        "{\"host\":\"::\",\"port\":4444,\"port\":4445}",
        "{\"host\":\"::\",\"port\":4444} {}",
        "{\"host\":\"::\",\"port\":99999999999}",
        "{\"host\":\"a,b\",\"port\":4444}",
        "{\"host\":\"::\",\"port\":0}",
        "{\"host\":7,\"port\":4444}"
      })
  void anythingElseIsRefusedWithAReason(String body) {
    var read = requests.incoming(bytes(body));

    assertThat(read).isInstanceOf(MigrationRequests.Read.Invalid.class);
    assertThat(((MigrationRequests.Read.Invalid<IncomingMigration>) read).why())
        .isNotBlank()
        .as("the sidecar's own words, not the parser's")
        .doesNotContain("io.qemuoperator", "java.", "com.fasterxml", "`", "exec:rm");
  }

  @Test
  void anOutgoingMigrationNeedsEveryMemberAndSaneFigures() {
    var missing = requests.outgoing(bytes("{\"host\":\"10.0.0.2\",\"port\":4444}"));
    var negative =
        requests.outgoing(
            bytes(
                "{\"host\":\"10.0.0.2\",\"port\":4444,\"maxBandwidth\":-1,"
                    + "\"downtimeLimitMs\":300,\"autoConverge\":false,\"pauseFirst\":false}"));

    assertThat(missing)
        .isInstanceOfSatisfying(
            MigrationRequests.Read.Invalid.class,
            invalid -> assertThat(invalid.why()).contains("maxBandwidth"));
    assertThat(negative)
        .isEqualTo(
            new MigrationRequests.Read.Invalid<OutgoingMigration>(
                "maxBandwidth: must be >= 0 bytes per second (0: no cap), got -1"));
  }

  @Test
  void tlsIsTheOneOptionalMemberAndItsHostnameOptionalWithin() {
    String tls =
        "{\"caCertificate\":\"%s\",\"certificate\":\"%s\",\"privateKey\":\"%s\"%s}"
            .formatted(pem("CERTIFICATE"), pem("CERTIFICATE"), pem("EC PRIVATE KEY"), "%s");
    var credentials =
        MigrationTls.incoming(
            pem("CERTIFICATE").replace("\\n", "\n"),
            pem("CERTIFICATE").replace("\\n", "\n"),
            pem("EC PRIVATE KEY").replace("\\n", "\n"));

    assertThat(requests.incoming(bytes("{\"host\":\"::\",\"port\":4444,\"tls\":null}")))
        .isEqualTo(new MigrationRequests.Read.Valid<>(new IncomingMigration("::", 4444)));
    assertThat(
            requests.incoming(
                bytes("{\"host\":\"::\",\"port\":4444,\"tls\":" + tls.formatted("") + "}")))
        .isEqualTo(
            new MigrationRequests.Read.Valid<>(new IncomingMigration("::", 4444, credentials)));
    assertThat(
            requests.outgoing(
                bytes(
                    "{\"host\":\"10.0.0.2\",\"port\":4444,\"maxBandwidth\":0,"
                        + "\"downtimeLimitMs\":300,\"autoConverge\":false,\"pauseFirst\":true,"
                        + "\"tls\":"
                        + tls.formatted(",\"hostname\":\"target\"")
                        + "}")))
        .isInstanceOf(MigrationRequests.Read.Valid.class);
    assertThat(
            requests.outgoing(
                bytes(
                    "{\"host\":\"10.0.0.2\",\"port\":4444,\"maxBandwidth\":0,"
                        + "\"downtimeLimitMs\":300,\"autoConverge\":false,\"pauseFirst\":true,"
                        + "\"tls\":"
                        + tls.formatted("")
                        + "}")))
        .isEqualTo(
            new MigrationRequests.Read.Invalid<OutgoingMigration>(
                "tls.hostname: must not be empty: the DNS name the target's certificate carries"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"host\":\"::\",\"port\":4444,\"tls\":{}}",
        "{\"host\":\"::\",\"port\":4444,\"tls\":\"on\"}",
        "{\"host\":\"::\",\"port\":4444,\"tls\":{\"caCertificate\":\"x\"}}",
        "{\"host\":\"::\",\"port\":4444,\"tls\":{\"caCertificate\":\"a\",\"certificate\":\"b\","
            + "\"privateKey\":\"c\",\"hostname\":null,\"dir\":\"/etc\"}}"
      })
  void aTlsMemberIsCheckedAsStrictly(String body) {
    assertThat(requests.incoming(bytes(body))).isInstanceOf(MigrationRequests.Read.Invalid.class);
  }

  private static String pem(String label) {
    return "-----BEGIN " + label + "-----\\nAAAA\\n-----END " + label + "-----";
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
