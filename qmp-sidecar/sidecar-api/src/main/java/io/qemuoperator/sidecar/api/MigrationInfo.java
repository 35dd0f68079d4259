package io.qemuoperator.sidecar.api;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A migration as {@code query-migrate} reports it (on the source, and on a target while and after
 * it receives), answered by {@code GET /v1/migration} and {@code POST /v1/migration/outgoing}. Null
 * where this QEMU reports nothing (for example every figure before the first migration, and most of
 * them on a target).
 *
 * @param status QEMU's {@code status}: {@code none} (never migrated), {@code setup}, {@code
 *     active}, {@code pre-switchover}, {@code device}, {@code cancelling}, {@code completed},
 *     {@code failed}, {@code cancelled}, … as QEMU writes it
 * @param transferredBytes {@code ram.transferred}
 * @param remainingBytes {@code ram.remaining}
 * @param totalBytes {@code ram.total}
 * @param passes {@code ram.dirty-sync-count}: how many times RAM was walked for dirty pages
 * @param expectedDowntimeMs {@code expected-downtime}, while the migration runs
 * @param downtimeMs {@code downtime}: how long the guest stood still at the switch-over, once
 *     completed
 * @param totalTimeMs {@code total-time}: so far, or in all once completed
 * @param setupTimeMs {@code setup-time}
 * @param throttlePercent {@code cpu-throttle-percentage}: what auto-converge takes from the guest
 * @param mbps {@code ram.mbps}: the current rate, megabits per second
 * @param errorDesc {@code error-desc}: why a migration failed
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MigrationInfo(
    String status,
    Long transferredBytes,
    Long remainingBytes,
    Long totalBytes,
    Long passes,
    Long expectedDowntimeMs,
    Long downtimeMs,
    Long totalTimeMs,
    Long setupTimeMs,
    Long throttlePercent,
    Double mbps,
    String errorDesc) {

  /** The {@link #status} of a QEMU that never migrated. */
  public static final String NONE = "none";

  /** The {@link #status} of a migration that ended well. */
  public static final String COMPLETED = "completed";

  /** The {@link #status} of a migration that ended in an error ({@link #errorDesc}). */
  public static final String FAILED = "failed";

  /** The {@link #status} of a migration ended by {@code migrate_cancel}. */
  public static final String CANCELLED = "cancelled";

  /** True when no migration runs: none ever did, or the last one ended. */
  public boolean finished() {
    return status == null
        || NONE.equals(status)
        || COMPLETED.equals(status)
        || FAILED.equals(status)
        || CANCELLED.equals(status);
  }
}
