package io.qemuoperator.sidecar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.qemuoperator.qmp.QmpClient;
import io.qemuoperator.qmp.QmpClientOptions;
import io.qemuoperator.qmp.dialect.QemuOffer;
import io.qemuoperator.qmp.dialect.QmpDialect;
import io.qemuoperator.sidecar.api.IncomingMigration;
import io.qemuoperator.sidecar.api.OutgoingMigration;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What the sidecar refuses before it sends QEMU anything: a QEMU not probed yet, and one without
 * the modern migration commands. The QMP client never connects here, so any command would fail.
 */
class LiveMigrationTest {
  private final QmpClient client =
      QmpClient.create(QmpClientOptions.defaults(Path.of("/nonexistent/qmp.sock")));
  private final TimedQmp qmp = new TimedQmp(client, new SidecarMetrics());
  private static final MigrationTlsFiles TLS_FILES =
      new MigrationTlsFiles(Path.of("/nonexistent/qmp.sock"));

  @AfterEach
  void close() {
    client.close();
  }

  @Test
  void aQemuWithoutModernMigrationIsUnavailable() {
    var old =
        QmpDialect.forOffer(
            new QemuOffer(
                "2.0.0",
                Set.of("migrate", "query-migrate", "migrate-set-capabilities", "query-status"),
                Map.of()),
            List.of());
    var migration = new LiveMigration(qmp::execute, () -> Optional.of(old), TLS_FILES);

    assertThatThrownBy(() -> migration.listen(new IncomingMigration("::", 4444)))
        .isInstanceOfSatisfying(
            LiveMigration.Refused.class,
            refused -> {
              assertThat(refused.error().status()).isEqualTo(501);
              assertThat(refused.error().errorClass()).isEqualTo("Unavailable");
              assertThat(refused.error().desc())
                  .contains("2.0.0")
                  .contains("migrate-set-parameters, migrate-incoming");
            });
    assertThatThrownBy(
            () -> migration.send(new OutgoingMigration("10.0.0.2", 4444, 0, 300, false, true)))
        .isInstanceOfSatisfying(
            LiveMigration.Refused.class,
            refused -> assertThat(refused.error().status()).isEqualTo(501));
  }

  @Test
  void nothingIsSentBeforeQemuIsProbed() {
    var migration = new LiveMigration(qmp::execute, Optional::empty, TLS_FILES);

    assertThatThrownBy(migration::info)
        .isInstanceOfSatisfying(
            LiveMigration.Refused.class,
            refused -> assertThat(refused.error().status()).isEqualTo(503));
    assertThatThrownBy(() -> migration.listen(new IncomingMigration("::", 4444)))
        .isInstanceOfSatisfying(
            LiveMigration.Refused.class,
            refused -> assertThat(refused.error().errorClass()).isEqualTo("QmpNotConnected"));
  }
}
