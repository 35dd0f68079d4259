package io.qemuoperator.sidecar.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code POST /v1/migration/incoming}: a QEMU started with {@code -incoming defer} (run state
 * {@code inmigrate}) listens for the migration stream at {@code tcp:HOST:PORT}, with capabilities
 * {@code events} and {@code return-path} set. Answers {@code {"return": {}}}; 409 {@code
 * NotIncoming} when QEMU was not started to receive one.
 *
 * <p>With {@code tls} the stream is TLS (the sidecar hands QEMU the credentials as a {@code
 * tls-creds-x509} object, endpoint {@code server}, peer verified: the source must present a
 * certificate of the same CA); without it (absent or null) plain TCP.
 *
 * @param host the address to listen on: an IPv4 or IPv6 literal (without brackets; {@code 0.0.0.0}
 *     or {@code ::} for every address) or a DNS name
 * @param port 1 to 65535
 * @param tls the target's credentials ({@link MigrationTls#hostname()} ignored), or null: plain TCP
 */
public record IncomingMigration(
    String host, int port, @JsonInclude(JsonInclude.Include.NON_NULL) MigrationTls tls) {

  /** Plain TCP. */
  public IncomingMigration(String host, int port) {
    this(host, port, null);
  }

  /** What is wrong with this request (empty when nothing is), one message per member. */
  public List<String> violations() {
    var found = new ArrayList<>(MigrationAddress.violations(host, port));
    if (tls != null) {
      found.addAll(tls.violations(false));
    }
    return List.copyOf(found);
  }
}
