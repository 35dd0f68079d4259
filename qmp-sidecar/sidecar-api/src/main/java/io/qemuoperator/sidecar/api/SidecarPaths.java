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

  /** {@code /v1/events?after=SEQ&wait=SECONDS}. */
  public static String events(long after, long waitSeconds) {
    return EVENTS + "?" + AFTER + "=" + after + "&" + WAIT + "=" + waitSeconds;
  }
}
