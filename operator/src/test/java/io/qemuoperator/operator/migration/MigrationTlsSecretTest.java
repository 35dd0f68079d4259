package io.qemuoperator.operator.migration;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.qemuoperator.api.v1alpha1.QemuVMMigration;
import io.qemuoperator.api.v1alpha1.spec.QemuVMMigrationSpec;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import org.junit.jupiter.api.Test;

/** A migration's certificates survive their Secret; the sidecars get the side each needs. */
class MigrationTlsSecretTest {

  @Test
  void theCertificatesReadBackFromTheSecretAsTheApiServerStoresIt() {
    var issued =
        new MigrationCertificates(new SecureRandom())
            .issue("web-1-qemu-0a1b2c", Instant.now(), Duration.ofHours(1));
    Secret made = MigrationTlsSecret.of(migration(), issued);
    assertThat(made.getMetadata().getName()).isEqualTo("move-web-1-migration-tls");
    assertThat(made.getMetadata().getOwnerReferences().getFirst().getKind())
        .isEqualTo("QemuVMMigration");

    // the API server turns stringData into base64 data
    var data = new HashMap<String, String>();
    made.getStringData()
        .forEach(
            (k, v) ->
                data.put(
                    k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
    Secret stored = new SecretBuilder(made).withStringData(null).withData(data).build();

    assertThat(MigrationTlsSecret.read(stored)).contains(issued);
    assertThat(issued.incoming().violations(false)).isEmpty();
    assertThat(issued.outgoing().violations(true)).isEmpty();
    assertThat(issued.incoming().certificate()).isEqualTo(issued.serverCertificate());
    assertThat(issued.outgoing().certificate()).isEqualTo(issued.clientCertificate());
    assertThat(issued.outgoing().hostname()).isEqualTo("web-1-qemu-0a1b2c");

    data.remove(MigrationTlsSecret.CLIENT_KEY);
    assertThat(MigrationTlsSecret.read(new SecretBuilder(stored).withData(data).build())).isEmpty();
  }

  /** The request "move-web-1" for the VM "web-1" of {@code PodTestVms}. */
  static QemuVMMigration migration() {
    var migration = new QemuVMMigration();
    migration.setMetadata(
        new ObjectMetaBuilder()
            .withName("move-web-1")
            .withNamespace("ns")
            .withUid("0a1b2c3d-0000-4000-8000-000000000001")
            .build());
    migration.setSpec(new QemuVMMigrationSpec("web-1"));
    return migration;
  }
}
