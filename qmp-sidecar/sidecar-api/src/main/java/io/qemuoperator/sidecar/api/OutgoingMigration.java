package io.qemuoperator.sidecar.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code POST /v1/migration/outgoing}: migrates this QEMU (run state {@code running} or {@code
 * paused}; else 409 {@code NotMigratable}; 409 {@code MigrationActive} while one runs) to a target
 * listening at {@code tcp:HOST:PORT} ({@link IncomingMigration}). The sidecar sets capabilities
 * {@code events}, {@code return-path} and {@code auto-converge}, parameters {@code max-bandwidth}
 * and {@code downtime-limit}, {@code stop}s the guest when {@code pauseFirst}, then sends {@code
 * migrate}; it answers {@code query-migrate} right after ({@link MigrationInfo}). When a step after
 * {@code stop} fails the guest is continued again and QEMU's error answered (422).
 *
 * <p>QEMU carries the source's run state over: after a migration with {@code pauseFirst} (or from a
 * paused source) the target ends {@code paused}, and runs only after a {@code cont} ({@code POST
 * /v1/commands/cont} on the target's sidecar); otherwise the target ends {@code running}. The
 * source ends {@code postmigrate} either way.
 *
 * <p>With {@code tls} the stream is TLS (the sidecar hands QEMU the credentials as a {@code
 * tls-creds-x509} object, endpoint {@code client}, peer verified: the target's certificate must be
 * of the same CA and carry {@link MigrationTls#hostname()}); without it (absent or null) plain TCP.
 *
 * @param host the target's address: an IPv4 or IPv6 literal (without brackets) or a DNS name
 * @param port the target's port, 1 to 65535
 * @param maxBandwidth {@code max-bandwidth}, bytes per second (0: no cap); changeable while the
 *     migration runs with {@code /v1/commands/migrate_set_speed}
 * @param downtimeLimitMs {@code downtime-limit}, 1 to 2,000,000 ms: the longest the guest may stand
 *     still at the switch-over (decides when pre-copy converges); changeable while it runs with
 *     {@code /v1/commands/migrate_set_downtime} (seconds)
 * @param autoConverge capability {@code auto-converge}: throttle the guest's vCPUs when RAM is
 *     dirtied faster than it is sent
 * @param pauseFirst {@code stop} the guest before {@code migrate} (stop-and-copy: RAM goes in one
 *     pass while nothing dirties it; the guest stands still for the whole transfer)
 * @param tls this side's credentials and the target's expected name, or null: plain TCP
 */
public record OutgoingMigration(
    String host,
    int port,
    long maxBandwidth,
    long downtimeLimitMs,
    boolean autoConverge,
    boolean pauseFirst,
    @JsonInclude(JsonInclude.Include.NON_NULL) MigrationTls tls) {

  /** QEMU's upper bound of {@code downtime-limit} (2,000 s). */
  public static final long MAX_DOWNTIME_LIMIT_MS = 2_000_000;

  /** Plain TCP. */
  public OutgoingMigration(
      String host,
      int port,
      long maxBandwidth,
      long downtimeLimitMs,
      boolean autoConverge,
      boolean pauseFirst) {
    this(host, port, maxBandwidth, downtimeLimitMs, autoConverge, pauseFirst, null);
  }

  /** What is wrong with this request (empty when nothing is), one message per member. */
  public List<String> violations() {
    var found = new ArrayList<>(MigrationAddress.violations(host, port));
    if (maxBandwidth < 0) {
      found.add("maxBandwidth: must be >= 0 bytes per second (0: no cap), got " + maxBandwidth);
    }
    if (downtimeLimitMs < 1 || downtimeLimitMs > MAX_DOWNTIME_LIMIT_MS) {
      found.add(
          "downtimeLimitMs: must be between 1 and "
              + MAX_DOWNTIME_LIMIT_MS
              + " ms, got "
              + downtimeLimitMs);
    }
    if (tls != null) {
      found.addAll(tls.violations(true));
    }
    return List.copyOf(found);
  }
}
