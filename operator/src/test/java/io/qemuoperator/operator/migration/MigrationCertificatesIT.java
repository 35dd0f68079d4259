package io.qemuoperator.operator.migration;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.qemuoperator.operator.migration.MigrationCertificates.Issued;
import io.qemuoperator.testing.RawQmp;
import io.qemuoperator.testing.TestingQemu;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The certificates {@link MigrationCertificates} issues, as real QEMUs use them: a migration over
 * TLS between a source and a target QEMU completes with one migration's certificates, and fails
 * when the source presents a client certificate of another migration's CA (the target verifies its
 * peer) or expects another name than the target's certificate holds.
 */
class MigrationCertificatesIT {
  private static final String MACHINE = "pc-q35-7.2";
  private static final Duration DEADLINE = Duration.ofSeconds(60);

  private final MigrationCertificates certificates = new MigrationCertificates(new SecureRandom());

  @TempDir Path dir;

  @Test
  void aMigrationOverTlsCompletesWithOneMigrationsCertificates() throws IOException {
    Issued tls = certificates.issue("web-1-qemu-0a1b2c", Instant.now(), Duration.ofHours(1));
    assertThat(migrate(tls, tls, tls.hostname())).isEqualTo("completed");
  }

  @Test
  void aClientOfAnotherMigrationOrAnotherNameIsRefused() throws IOException {
    Issued tls = certificates.issue("web-1-qemu-0a1b2c", Instant.now(), Duration.ofHours(1));
    Issued other = certificates.issue("web-1-qemu-0a1b2c", Instant.now(), Duration.ofHours(1));
    assertThat(migrate(tls, other, tls.hostname())).isEqualTo("failed");
    assertThat(migrate(tls, tls, "someone-else")).isEqualTo("failed");
  }

  /** Migrates a small QEMU to a TLS target; the source's final migration status. */
  private String migrate(Issued server, Issued client, String hostname) throws IOException {
    Path serverDir =
        write("server", server.caCertificate(), server.serverCertificate(), server.serverKey());
    Path clientDir =
        write("client", client.caCertificate(), client.clientCertificate(), client.clientKey());
    var options = TestingQemu.Options.defaults().withPaused(false).withMachine(MACHINE);
    int port = freePort();
    try (var source = TestingQemu.start(options);
        var target =
            TestingQemu.start(
                options.withExtraArgs(
                    "-incoming",
                    "defer",
                    "-object",
                    "tls-creds-x509,id=tls0,dir="
                        + serverDir
                        + ",endpoint=server,verify-peer=on"));
        var src = RawQmp.connect(source.observerSocket());
        var dst = RawQmp.connect(target.observerSocket())) {
      ok(dst.execute("migrate-set-parameters", "{\"tls-creds\":\"tls0\"}"));
      ok(dst.execute("migrate-incoming", "{\"uri\":\"tcp:127.0.0.1:" + port + "\"}"));
      ok(
          src.execute(
              "object-add",
              "{\"qom-type\":\"tls-creds-x509\",\"id\":\"tls0\",\"dir\":\""
                  + clientDir
                  + "\",\"endpoint\":\"client\",\"verify-peer\":true}"));
      ok(
          src.execute(
              "migrate-set-parameters",
              "{\"tls-creds\":\"tls0\",\"tls-hostname\":\"" + hostname + "\"}"));
      ok(src.execute("migrate", "{\"uri\":\"tcp:127.0.0.1:" + port + "\"}"));
      Awaitility.await("the migration ends")
          .atMost(DEADLINE)
          .pollInterval(Duration.ofMillis(100))
          .until(() -> List.of("completed", "failed", "cancelled").contains(status(src)));
      return status(src);
    }
  }

  private static String status(RawQmp qmp) {
    return qmp.execute("query-migrate", null).path("return").path("status").asText();
  }

  private Path write(String side, String ca, String certificate, String key) throws IOException {
    Path folder = Files.createTempDirectory(dir, side);
    Files.writeString(folder.resolve("ca-cert.pem"), ca);
    Files.writeString(folder.resolve(side + "-cert.pem"), certificate);
    Files.writeString(folder.resolve(side + "-key.pem"), key);
    return folder;
  }

  private static void ok(JsonNode reply) {
    assertThat(reply.has("return")).as("QMP reply %s", reply).isTrue();
  }

  private static int freePort() throws IOException {
    try (var socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
