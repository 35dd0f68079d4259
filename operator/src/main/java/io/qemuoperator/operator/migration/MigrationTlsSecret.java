package io.qemuoperator.operator.migration;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.qemuoperator.api.v1alpha1.QemuVMMigration;
import io.qemuoperator.operator.migration.MigrationCertificates.Issued;
import io.qemuoperator.operator.pod.VmResources;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The Secret that keeps one migration's certificates ({@link MigrationCertificates}) while it runs,
 * owned by the request: a restarted operator hands the same ones to the sidecars. Deleted when the
 * migration ends; the keys never enter a pod's spec.
 */
final class MigrationTlsSecret {
  static final String CA_CERTIFICATE = "ca-cert.pem";
  static final String SERVER_CERTIFICATE = "server-cert.pem";
  static final String SERVER_KEY = "server-key.pem";
  static final String CLIENT_CERTIFICATE = "client-cert.pem";
  static final String CLIENT_KEY = "client-key.pem";
  static final String HOSTNAME = "hostname";

  private MigrationTlsSecret() {}

  static String name(QemuVMMigration migration) {
    return migration.getMetadata().getName() + "-migration-tls";
  }

  static Secret of(QemuVMMigration migration, Issued tls) {
    var data = new LinkedHashMap<String, String>();
    data.put(CA_CERTIFICATE, tls.caCertificate());
    data.put(SERVER_CERTIFICATE, tls.serverCertificate());
    data.put(SERVER_KEY, tls.serverKey());
    data.put(CLIENT_CERTIFICATE, tls.clientCertificate());
    data.put(CLIENT_KEY, tls.clientKey());
    data.put(HOSTNAME, tls.hostname());
    return new SecretBuilder()
        .withNewMetadata()
        .withName(name(migration))
        .withNamespace(migration.getMetadata().getNamespace())
        .addToLabels(VmResources.LABEL_MANAGED_BY, VmResources.MANAGER)
        .addToLabels(MigrationTargetPod.MIGRATION_LABEL, migration.getMetadata().getName())
        .withOwnerReferences(MigrationTargetPod.owner(migration))
        .endMetadata()
        .withType("Opaque")
        .withStringData(data)
        .build();
  }

  /** The certificates the Secret keeps; empty when one is missing. */
  static Optional<Issued> read(Secret secret) {
    Map<String, String> data = secret.getData();
    if (data == null) {
      return Optional.empty();
    }
    var decoded = new LinkedHashMap<String, String>();
    for (String key :
        new String[] {
          CA_CERTIFICATE, SERVER_CERTIFICATE, SERVER_KEY, CLIENT_CERTIFICATE, CLIENT_KEY, HOSTNAME
        }) {
      String value = data.get(key);
      if (value == null) {
        return Optional.empty();
      }
      decoded.put(key, new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8));
    }
    return Optional.of(
        new Issued(
            decoded.get(CA_CERTIFICATE),
            decoded.get(SERVER_CERTIFICATE),
            decoded.get(SERVER_KEY),
            decoded.get(CLIENT_CERTIFICATE),
            decoded.get(CLIENT_KEY),
            decoded.get(HOSTNAME)));
  }

  /** Creates the request's Secret (kept when it exists: a pass repeated after a restart). */
  static void create(Request request, Issued tls) {
    request.createIfAbsent(of(request.migration(), tls));
  }

  /** The certificates the request's Secret keeps; empty when the Secret is gone. */
  static Optional<Issued> read(Request request) {
    return Optional.ofNullable(
            request
                .client()
                .secrets()
                .inNamespace(request.namespace())
                .withName(name(request.migration()))
                .get())
        .flatMap(MigrationTlsSecret::read);
  }

  /** Deletes the request's Secret: the migration ended, its keys are of no more use. */
  static void delete(Request request) {
    request
        .client()
        .secrets()
        .inNamespace(request.namespace())
        .withName(name(request.migration()))
        .delete();
  }
}
