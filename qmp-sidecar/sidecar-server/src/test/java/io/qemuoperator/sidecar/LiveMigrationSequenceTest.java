package io.qemuoperator.sidecar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.qemuoperator.qmp.QmpCommandException;
import io.qemuoperator.qmp.dialect.QemuOffer;
import io.qemuoperator.qmp.dialect.QmpDialect;
import io.qemuoperator.sidecar.api.IncomingMigration;
import io.qemuoperator.sidecar.api.MigrationTls;
import io.qemuoperator.sidecar.api.OutgoingMigration;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The QMP commands one side of a migration sends, in order, against a scripted QEMU: the TLS
 * credentials (files, object, parameters) before {@code migrate-incoming}/{@code migrate}, plain
 * TCP clearing {@code tls-creds}, and what is undone when QEMU refuses a step.
 */
class LiveMigrationSequenceTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String CA = pem("CERTIFICATE", "Y2E=");
  private static final String CERT = pem("CERTIFICATE", "Y2VydA==");
  private static final String KEY = pem("EC PRIVATE KEY", "a2V5");
  private static final QmpDialect QEMU_7_2 =
      QmpDialect.forOffer(
          new QemuOffer(
              "7.2.22",
              Set.of(
                  "query-status",
                  "query-migrate",
                  "migrate",
                  "migrate-incoming",
                  "migrate-set-capabilities",
                  "migrate-set-parameters",
                  "object-add",
                  "object-del",
                  "qom-list",
                  "stop",
                  "cont"),
              Map.of()),
          List.of());

  @TempDir Path run;

  /** Sent commands as {@code name arguments}; answers by name, a missing one is {@code {}}. */
  private final List<String> sent = new CopyOnWriteArrayList<>();

  private final Map<String, Object> answers = new HashMap<>();

  private LiveMigration migration(QmpDialect dialect) {
    return new LiveMigration(
        (command, arguments) -> {
          sent.add(command + (arguments == null ? "" : " " + arguments));
          Object answer = answers.getOrDefault(command, "{}");
          if (answer instanceof QmpCommandException refused) {
            return CompletableFuture.failedFuture(refused);
          }
          try {
            return CompletableFuture.completedFuture(JSON.readTree((String) answer));
          } catch (IOException e) {
            throw new IllegalStateException(e);
          }
        },
        () -> Optional.of(dialect),
        new MigrationTlsFiles(run.resolve("qmp.sock")));
  }

  @Test
  void aTlsTargetGetsServerCredentialsBeforeItListens() throws Exception {
    answers.put("query-status", "{\"status\":\"inmigrate\"}");
    answers.put(
        "qom-list", new QmpCommandException("DeviceNotFound", "Device '/objects' not found"));

    migration(QEMU_7_2)
        .listen(new IncomingMigration("::", 4444, MigrationTls.incoming(CA, CERT, KEY)));

    Path dir = run.resolve("migration-tls");
    assertThat(sent)
        .containsExactly(
            "query-status",
            "query-migrate",
            "migrate-set-capabilities {\"capabilities\":[{\"capability\":\"events\",\"state\":true},"
                + "{\"capability\":\"return-path\",\"state\":true}]}",
            "qom-list {\"path\":\"/objects\"}",
            "object-add {\"qom-type\":\"tls-creds-x509\",\"id\":\"migration-tls\",\"dir\":\""
                + dir
                + "\",\"endpoint\":\"server\",\"verify-peer\":true}",
            "migrate-set-parameters {\"tls-creds\":\"migration-tls\"}",
            "migrate-incoming {\"uri\":\"tcp:[::]:4444\"}");
    assertThat(files(dir)).containsExactly("ca-cert.pem", "server-cert.pem", "server-key.pem");
    assertThat(Files.readString(dir.resolve("server-key.pem"))).isEqualTo(KEY);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)))
        .isEqualTo("rwx------");
    assertThat(
            PosixFilePermissions.toString(
                Files.getPosixFilePermissions(dir.resolve("server-key.pem"))))
        .isEqualTo("rw-------");
  }

  @Test
  void aTlsSourceReplacesThePreviousCredentialsAndNamesTheTarget() throws Exception {
    answers.put("query-status", "{\"status\":\"running\"}");
    answers.put("query-migrate", "{\"status\":\"completed\"}");
    answers.put(
        "qom-list",
        "[{\"name\":\"type\",\"type\":\"string\"},"
            + "{\"name\":\"migration-tls\",\"type\":\"child<tls-creds-x509>\"}]");
    Path dir = run.resolve("migration-tls");
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("server-key.pem"), "an earlier migration's");

    migration(QEMU_7_2)
        .send(
            new OutgoingMigration(
                "10.0.0.2", 4444, 0, 300, false, true, new MigrationTls(CA, CERT, KEY, "target")));

    assertThat(sent)
        .containsExactly(
            "query-status",
            "query-migrate",
            "migrate-set-capabilities {\"capabilities\":[{\"capability\":\"events\",\"state\":true},"
                + "{\"capability\":\"return-path\",\"state\":true},"
                + "{\"capability\":\"auto-converge\",\"state\":false}]}",
            "migrate-set-parameters {\"max-bandwidth\":0,\"downtime-limit\":300}",
            "qom-list {\"path\":\"/objects\"}",
            "object-del {\"id\":\"migration-tls\"}",
            "object-add {\"qom-type\":\"tls-creds-x509\",\"id\":\"migration-tls\",\"dir\":\""
                + dir
                + "\",\"endpoint\":\"client\",\"verify-peer\":true}",
            "migrate-set-parameters {\"tls-creds\":\"migration-tls\",\"tls-hostname\":\"target\"}",
            "stop",
            "migrate {\"uri\":\"tcp:10.0.0.2:4444\"}",
            "query-migrate");
    assertThat(files(dir)).containsExactly("ca-cert.pem", "client-cert.pem", "client-key.pem");
  }

  @Test
  void aPlainMigrationClearsTheTlsCredentialsParameter() throws Exception {
    answers.put("query-status", "{\"status\":\"inmigrate\"}");

    migration(QEMU_7_2).listen(new IncomingMigration("0.0.0.0", 4444));

    assertThat(sent)
        .containsExactly(
            "query-status",
            "query-migrate",
            "migrate-set-capabilities {\"capabilities\":[{\"capability\":\"events\",\"state\":true},"
                + "{\"capability\":\"return-path\",\"state\":true}]}",
            "migrate-set-parameters {\"tls-creds\":\"\"}",
            "migrate-incoming {\"uri\":\"tcp:0.0.0.0:4444\"}");
    assertThat(run.resolve("migration-tls")).doesNotExist();
  }

  @Test
  void credentialsQemuRefusesAreQemusErrorAndNothingStaysSet() {
    answers.put("query-status", "{\"status\":\"inmigrate\"}");
    answers.put(
        "qom-list", new QmpCommandException("DeviceNotFound", "Device '/objects' not found"));
    answers.put(
        "object-add",
        new QmpCommandException("GenericError", "Cannot load certificate: the key is unreadable"));

    assertThatThrownBy(
            () ->
                migration(QEMU_7_2)
                    .listen(
                        new IncomingMigration("::", 4444, MigrationTls.incoming(CA, CERT, KEY))))
        .isInstanceOfSatisfying(
            LiveMigration.Refused.class,
            refused -> {
              assertThat(refused.error().status()).isEqualTo(422);
              assertThat(refused.error().errorClass()).isEqualTo("GenericError");
              assertThat(refused.error().desc())
                  .isEqualTo("Cannot load certificate: the key is unreadable");
            });
    assertThat(sent).noneMatch(command -> command.startsWith("migrate-incoming"));
    assertThat(sent).last().asString().startsWith("object-add");
  }

  @Test
  void aRefusedMigrateContinuesTheGuestAndRemovesTheCredentials() {
    answers.put("query-status", "{\"status\":\"running\"}");
    answers.put("query-migrate", "{\"status\":\"none\"}");
    answers.put("qom-list", "[{\"name\":\"migration-tls\",\"type\":\"child<tls-creds-x509>\"}]");
    answers.put("migrate", new QmpCommandException("GenericError", "a migration blocker"));

    assertThatThrownBy(
            () ->
                migration(QEMU_7_2)
                    .send(
                        new OutgoingMigration(
                            "10.0.0.2",
                            4444,
                            0,
                            300,
                            false,
                            true,
                            new MigrationTls(CA, CERT, KEY, "target"))))
        .isInstanceOfSatisfying(
            LiveMigration.Refused.class,
            refused -> assertThat(refused.error().desc()).isEqualTo("a migration blocker"));
    assertThat(sent.subList(sent.indexOf("stop"), sent.size()))
        .containsExactly(
            "stop",
            "migrate {\"uri\":\"tcp:10.0.0.2:4444\"}",
            "cont",
            "migrate-set-parameters {\"tls-creds\":\"\"}",
            "qom-list {\"path\":\"/objects\"}",
            "object-del {\"id\":\"migration-tls\"}");
  }

  @Test
  void parametersQemuRefusesDeleteTheAddedObjectAgain() {
    answers.put("query-status", "{\"status\":\"inmigrate\"}");
    answers.put("qom-list", "[{\"name\":\"migration-tls\",\"type\":\"child<tls-creds-x509>\"}]");
    answers.put("migrate-set-parameters", new QmpCommandException("GenericError", "no"));

    assertThatThrownBy(
            () ->
                migration(QEMU_7_2)
                    .listen(
                        new IncomingMigration("::", 4444, MigrationTls.incoming(CA, CERT, KEY))))
        .isInstanceOf(LiveMigration.Refused.class);
    assertThat(sent.subList(4, sent.size())) // after query-status, -migrate, capabilities, qom-list
        .extracting(command -> command.split(" ")[0])
        .containsExactly(
            "object-del",
            "object-add",
            "migrate-set-parameters",
            "migrate-set-parameters",
            "qom-list",
            "object-del");
  }

  @Test
  void aTargetListeningAlreadyKeepsItsSettings() {
    answers.put("query-status", "{\"status\":\"inmigrate\"}");
    answers.put(
        "query-migrate",
        "{\"socket-address\":[{\"port\":\"4444\",\"host\":\"0.0.0.0\",\"type\":\"inet\"}]}");

    assertThatThrownBy(() -> migration(QEMU_7_2).listen(new IncomingMigration("::", 4445)))
        .isInstanceOfSatisfying(
            LiveMigration.Refused.class,
            refused -> {
              assertThat(refused.error().status()).isEqualTo(409);
              assertThat(refused.error().errorClass()).isEqualTo("MigrationActive");
            });
    assertThat(sent).containsExactly("query-status", "query-migrate");
  }

  @Test
  void aQemuWithoutObjectAddCannotMigrateOverTlsButPlainly() throws Exception {
    var noObjects =
        QmpDialect.forOffer(
            new QemuOffer(
                "2.5.0",
                Set.of(
                    "query-status",
                    "migrate",
                    "migrate-incoming",
                    "migrate-set-capabilities",
                    "migrate-set-parameters"),
                Map.of()),
            List.of());
    answers.put("query-status", "{\"status\":\"inmigrate\"}");

    assertThatThrownBy(
            () ->
                migration(noObjects)
                    .listen(
                        new IncomingMigration("::", 4444, MigrationTls.incoming(CA, CERT, KEY))))
        .isInstanceOfSatisfying(
            LiveMigration.Refused.class,
            refused -> {
              assertThat(refused.error().status()).isEqualTo(501);
              assertThat(refused.error().desc()).contains("object-add, object-del, qom-list");
            });
    assertThat(sent).isEmpty();
    migration(noObjects).listen(new IncomingMigration("::", 4444));
    assertThat(sent).last().asString().startsWith("migrate-incoming");
  }

  private static List<String> files(Path dir) throws IOException {
    try (Stream<Path> all = Files.list(dir)) {
      return all.map(path -> path.getFileName().toString()).sorted().toList();
    }
  }

  private static String pem(String label, String base64) {
    return "-----BEGIN " + label + "-----\n" + base64 + "\n-----END " + label + "-----\n";
  }
}
