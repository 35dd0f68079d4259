package io.qemuoperator.sidecar.api;

import java.util.List;

/**
 * {@code POST /v1/migration/incoming}: a QEMU started with {@code -incoming defer} (run state
 * {@code inmigrate}) listens for the migration stream at {@code tcp:HOST:PORT}, with capabilities
 * {@code events} and {@code return-path} set. Answers {@code {"return": {}}}; 409 {@code
 * NotIncoming} when QEMU was not started to receive one.
 *
 * @param host the address to listen on: an IPv4 or IPv6 literal (without brackets; {@code 0.0.0.0}
 *     or {@code ::} for every address) or a DNS name
 * @param port 1 to 65535
 */
public record IncomingMigration(String host, int port) {

  /** What is wrong with this request (empty when nothing is), one message per member. */
  public List<String> violations() {
    return MigrationAddress.violations(host, port);
  }
}
