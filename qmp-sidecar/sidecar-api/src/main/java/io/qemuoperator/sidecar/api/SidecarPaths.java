package io.qemuoperator.sidecar.api;

/**
 * The sidecar's HTTP paths, query parameters and headers: the one place both the sidecar and its
 * callers take them from.
 *
 * <pre>
 * GET  /healthz                                 {@link ProbeStatus}, no token
 * GET  /readyz                                  {@link ProbeStatus} or {@link ErrorBody}, no token
 * POST /v1/commands/{name}                      {@link ReturnBody} of QEMU's return, or {@link ErrorBody}
 * GET  /v1/state                                {@link ReturnBody} of {@link VmState}
 * GET  /v1/events?after=SEQ&amp;wait=SECONDS        {@link EventPage}
 * GET  /v1/dialect                              {@link DialectTable}
 * GET  /v1/migration                            {@link ReturnBody} of {@link MigrationInfo}
 * POST /v1/migration/incoming                   {@link IncomingMigration}; {@link ReturnBody} of {}
 * POST /v1/migration/outgoing                   {@link OutgoingMigration}; {@link ReturnBody} of
 *                                               {@link MigrationInfo}
 * POST /v1/migration/cancel                     {@link ReturnBody} of {}
 * GET  /v1/console/log?bytes=N|from=POS         the end of the serial console's log, text/plain
 * GET  /v1/console                              WebSocket: the serial console, raw bytes both ways
 * GET  /v1/import                               {@link ImportProgress}: served by the disk importer
 *                                               (init container) while it runs, not by the sidecar
 * GET  /metrics                                 Prometheus text, no token
 * </pre>
 *
 * Every {@code /v1} call needs {@code Authorization: Bearer <token>}.
 */
public final class SidecarPaths {
  public static final String HEALTHZ = "/healthz";
  public static final String READYZ = "/readyz";
  public static final String METRICS = "/metrics";

  /** Every path under it needs the bearer token. */
  public static final String V1 = "/v1/";

  public static final String STATE = "/v1/state";
  public static final String EVENTS = "/v1/events";
  public static final String DIALECT = "/v1/dialect";

  /**
   * The migration as {@code query-migrate} reports it ({@link MigrationInfo}; status {@code none}
   * before any). The migration calls below answer 400 {@code InvalidArguments} for a body that is
   * not their record (unknown or missing members, a bad host, port or figure) before QEMU is asked,
   * and 501 {@code Unavailable} on a QEMU without {@code migrate-incoming} or {@code
   * migrate-set-parameters}.
   */
  public static final String MIGRATION = "/v1/migration";

  /**
   * Body {@link IncomingMigration}: a QEMU started with {@code -incoming defer} starts listening
   * for the migration (409 {@code NotIncoming} for any other QEMU).
   */
  public static final String MIGRATION_INCOMING = "/v1/migration/incoming";

  /**
   * Body {@link OutgoingMigration}: starts migrating this QEMU to a listening target (409 {@code
   * NotMigratable} when it is neither running nor paused, {@code MigrationActive} while one runs).
   */
  public static final String MIGRATION_OUTGOING = "/v1/migration/outgoing";

  /**
   * No body: {@code migrate_cancel}. A source QEMU paused for the migration itself resumes; one
   * paused before it ({@link OutgoingMigration#pauseFirst()}) stays paused until {@code cont}.
   */
  public static final String MIGRATION_CANCEL = "/v1/migration/cancel";

  /**
   * How far the disk import is ({@link ImportProgress}): answered on the sidecar's address and
   * port, with the same token, by the VM pod's importer while its init container runs (the sidecar
   * itself does not run yet then, and answers 404 here).
   */
  public static final String IMPORT = "/v1/import";

  /**
   * The serial console as a WebSocket (RFC 6455, {@code Upgrade: websocket}): binary frames carry
   * the raw serial bytes both ways (text frames from the client are typed as their UTF-8 bytes).
   * One client at a time: a second gets 409 {@code ConsoleBusy}; 503 {@code ConsoleUnavailable}
   * when QEMU is not running; 426 {@code UpgradeRequired} for a plain GET. The sidecar pings every
   * 20 s and drops a client silent for 60 s; when QEMU stops, the client gets close code {@link
   * #CONSOLE_CLOSED_QEMU_GONE}.
   */
  public static final String CONSOLE = "/v1/console";

  /** The end of the serial console's log (everything the guest wrote), as text. */
  public static final String CONSOLE_LOG = "/v1/console/log";

  /** {@code /v1/console/log}: how many bytes of the log's end to answer. */
  public static final String BYTES = "bytes";

  /**
   * {@code /v1/console/log}: answer from this position on (a previous answer's {@link
   * #CONSOLE_LOG_END}), to follow the log.
   */
  public static final String FROM = "from";

  /** {@code /v1/console/log} without {@link #BYTES} or {@link #FROM}. */
  public static final long DEFAULT_CONSOLE_LOG_BYTES = 64 * 1024;

  /**
   * Response header of {@code /v1/console/log}: the position of the answer's first byte in
   * everything the guest wrote (greater than {@link #FROM} when bytes were dropped by the bound).
   */
  public static final String CONSOLE_LOG_START = "Console-Log-Start";

  /**
   * Response header of {@code /v1/console/log}: the position after the answer's last byte, the
   * {@link #FROM} of the next call. Positions start over when the sidecar does (the end is then
   * below the {@code from} asked for).
   */
  public static final String CONSOLE_LOG_END = "Console-Log-End";

  /** The WebSocket close code (going away) a console client gets when QEMU stopped. */
  public static final int CONSOLE_CLOSED_QEMU_GONE = 1001;

  /** Followed by the seed command's name. */
  public static final String COMMANDS = "/v1/commands/";

  /** {@code /v1/events}: the sequence number after which events are wanted (0: all kept). */
  public static final String AFTER = "after";

  /** {@code /v1/events}: how long to wait for an event when there is none yet, in seconds. */
  public static final String WAIT = "wait";

  /** The longest {@link #WAIT} the sidecar accepts. */
  public static final long MAX_WAIT_SECONDS = 60;

  /** Response header of a command: what QEMU received, where the sidecar translated the call. */
  public static final String SENT_AS = "Qmp-Sent-As";

  private SidecarPaths() {}

  /** {@code /v1/commands/NAME}. */
  public static String command(String name) {
    return COMMANDS + name;
  }

  /** {@code /v1/console/log?bytes=N}. */
  public static String consoleLog(long bytes) {
    return CONSOLE_LOG + "?" + BYTES + "=" + bytes;
  }

  /** {@code /v1/console/log?from=POS}: what the guest wrote from {@code position} on. */
  public static String consoleLogFrom(long position) {
    return CONSOLE_LOG + "?" + FROM + "=" + position;
  }

  /** {@code /v1/events?after=SEQ&wait=SECONDS}. */
  public static String events(long after, long waitSeconds) {
    return EVENTS + "?" + AFTER + "=" + after + "&" + WAIT + "=" + waitSeconds;
  }
}
