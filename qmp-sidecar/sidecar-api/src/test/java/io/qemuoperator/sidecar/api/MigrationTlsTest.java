package io.qemuoperator.sidecar.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The checks of a TLS migration's credentials, and how they travel. */
class MigrationTlsTest {
  private static final String CA = pem("CERTIFICATE", "Y2E=");
  private static final String CERT = pem("CERTIFICATE", "Y2VydA==");
  private static final String SECRET = "c2VjcmV0LWtleS1tYXRlcmlhbA==";
  private static final String EC_KEY = pem("EC PRIVATE KEY", SECRET);
  private static final String PKCS8_KEY = pem("PRIVATE KEY", SECRET);

  @Test
  void pemTextsOfTheRightKindPass() {
    assertThat(new MigrationTls(CA, CERT, EC_KEY, "target").violations(true)).isEmpty();
    assertThat(new MigrationTls(CA, CERT, PKCS8_KEY, "vm-1.ns.svc").violations(true)).isEmpty();
    assertThat(new MigrationTls(CA + CA, CERT, "\n" + EC_KEY + "\n", null).violations(false))
        .isEmpty();
  }

  @Test
  void theIncomingSideIgnoresTheHostname() {
    assertThat(MigrationTls.incoming(CA, CERT, EC_KEY).violations(false)).isEmpty();
    assertThat(new MigrationTls(CA, CERT, EC_KEY, "Not A Name").violations(false)).isEmpty();
    assertThat(
            new IncomingMigration("::", 4444, MigrationTls.incoming(CA, CERT, EC_KEY)).violations())
        .isEmpty();
  }

  @Test
  void theOutgoingSideNeedsADnsName() {
    assertThat(new OutgoingMigration("10.0.0.2", 4444, 0, 300, false, true, tls(null)).violations())
        .containsExactly(
            "tls.hostname: must not be empty: the DNS name the target's certificate carries");
    assertThat(tls("").violations(true)).hasSize(1);
  }

  @ParameterizedTest
  @ValueSource(strings = {"Target", "a b", "target,x", "-target", "target-", "a..b", "a_b", "é"})
  void refusesHostnamesThatAreNoLowercaseDnsName(String hostname) {
    assertThat(tls(hostname).violations(true))
        .singleElement()
        .asString()
        .startsWith("tls.hostname: must be a DNS name of at most 253 characters");
  }

  @Test
  void aHostnameHasAtMost253Characters() {
    String label = "a".repeat(63);
    String longest = String.join(".", label, label, label, "a".repeat(61));

    assertThat(longest).hasSize(253);
    assertThat(tls(longest).violations(true)).isEmpty();
    assertThat(tls(longest + "b").violations(true)).hasSize(1);
    assertThat(tls("a".repeat(64)).violations(true)).hasSize(1);
  }

  @Test
  void refusesEmptyOversizedAndWronglyArmouredTextsWithoutRepeatingThem() {
    var none = new MigrationTls(null, "", " \n", "target");
    var wrongKinds = new MigrationTls(EC_KEY, EC_KEY, CERT, "target");
    var oversized =
        new MigrationTls(
            pem("CERTIFICATE", "A".repeat(MigrationTls.MAX_PEM_CHARS)), CERT, EC_KEY, "target");
    var unterminated =
        new MigrationTls(CA, CERT, "-----BEGIN EC PRIVATE KEY-----\n" + SECRET, "target");
    var mixed =
        new MigrationTls(
            CA,
            CERT,
            "-----BEGIN EC PRIVATE KEY-----\n" + SECRET + "\n-----END PRIVATE KEY-----",
            "target");

    assertThat(none.violations(true))
        .containsExactly(
            "tls.caCertificate: must not be empty",
            "tls.certificate: must not be empty",
            "tls.privateKey: must not be empty");
    assertThat(wrongKinds.violations(true))
        .containsExactly(
            "tls.caCertificate: must be a PEM text from -----BEGIN CERTIFICATE----- to its"
                + " -----END ...----- line",
            "tls.certificate: must be a PEM text from -----BEGIN CERTIFICATE----- to its"
                + " -----END ...----- line",
            "tls.privateKey: must be a PEM text from -----BEGIN EC PRIVATE KEY----- or"
                + " -----BEGIN PRIVATE KEY----- to its -----END ...----- line");
    assertThat(oversized.violations(true))
        .containsExactly("tls.caCertificate: must be at most 16384 characters, got 16439");
    assertThat(unterminated.violations(true)).hasSize(1);
    assertThat(mixed.violations(true)).hasSize(1);
    for (var refused : java.util.List.of(wrongKinds, unterminated, mixed)) {
      assertThat(String.join("\n", refused.violations(true))).doesNotContain(SECRET);
    }
  }

  @Test
  void theRequestsCarryTlsOnlyWhenGiven() throws IOException {
    var outgoing = new OutgoingMigration("10.0.0.2", 4444, 0, 300, false, true, tls("target"));
    var incoming = new IncomingMigration("::", 4444, MigrationTls.incoming(CA, CERT, EC_KEY));

    assertThat(Wire.JSON.writeValueAsString(new OutgoingMigration("h", 1, 0, 1, false, false)))
        .doesNotContain("tls");
    assertThat(Wire.JSON.readTree(Wire.JSON.writeValueAsString(outgoing)).path("tls")).hasSize(4);
    assertThat(Wire.JSON.readTree(Wire.JSON.writeValueAsString(incoming)).path("tls")).hasSize(3);
    assertThat(Wire.roundTrip(outgoing, OutgoingMigration.class)).isEqualTo(outgoing);
    assertThat(Wire.roundTrip(incoming, IncomingMigration.class)).isEqualTo(incoming);
  }

  private static MigrationTls tls(String hostname) {
    return new MigrationTls(CA, CERT, EC_KEY, hostname);
  }

  private static String pem(String label, String base64) {
    return "-----BEGIN " + label + "-----\n" + base64 + "\n-----END " + label + "-----\n";
  }
}
