package io.qemuoperator.sidecar;

import io.qemuoperator.qmp.QmpCommandException;
import io.qemuoperator.qmp.QmpException;
import io.qemuoperator.qmp.QmpProtocolException;
import io.qemuoperator.qmp.QmpTimeoutException;
import io.qemuoperator.sidecar.api.ErrorBody;
import io.qemuoperator.sidecar.api.QmpError;
import io.qemuoperator.sidecar.web.WebServer;

/**
 * An error answer of the sidecar's HTTP API: an HTTP status and the contract's {@link ErrorBody},
 * {@code {"error": {"class": …, "desc": …}}}. QEMU's own errors keep QEMU's class and desc; the
 * sidecar's own use the classes below.
 */
public record ApiError(int status, String errorClass, String desc) {
  /**
   * The longest {@code desc} an answer carries: a desc that quotes what a caller sent (QEMU's own
   * errors do, e.g. an unknown device's name) is cut here, so no answer grows with the request.
   */
  public static final int MAX_DESC_CHARS = 512;

  public ApiError {
    if (desc != null && desc.length() > MAX_DESC_CHARS) {
      desc = desc.substring(0, MAX_DESC_CHARS) + "… (cut)";
    }
  }

  /** The error as the wire carries it. */
  public QmpError qmpError() {
    return new QmpError(errorClass, desc);
  }

  /** The answer's body. */
  public ErrorBody body() {
    return new ErrorBody(qmpError());
  }

  /** Arguments break the QAPI schema (checked before QEMU sees them). */
  public static ApiError invalidArguments(String desc) {
    return new ApiError(400, "InvalidArguments", desc);
  }

  public static ApiError badRequest(String desc) {
    return new ApiError(400, "BadRequest", desc);
  }

  public static ApiError unauthorized() {
    return new ApiError(
        401, "Unauthorized", "a valid 'Authorization: Bearer <token>' header is required");
  }

  public static ApiError commandDisabled(String command) {
    return new ApiError(
        403,
        "CommandDisabled",
        "command '" + command + "' is disabled on this sidecar; start it with --allow " + command);
  }

  /** A failure of the sidecar itself; its log has the details, the answer none. */
  public static ApiError internal() {
    return new ApiError(
        500, "InternalError", "the sidecar failed unexpectedly; its log has the details");
  }

  /** No endpoint at {@code path} (quoted at most {@value BodyProblem#MAX_NAME} characters). */
  public static ApiError noSuchEndpoint(String path) {
    return new ApiError(404, "NotFound", "no such endpoint: " + BodyProblem.name(path));
  }

  public static ApiError notFound(String desc) {
    return new ApiError(404, "CommandNotFound", desc);
  }

  public static ApiError methodNotAllowed(String method, String allowed) {
    return new ApiError(405, "MethodNotAllowed", method + " is not allowed here; use " + allowed);
  }

  public static ApiError bodyTooLarge(int limit) {
    return new ApiError(413, "RequestTooLarge", "request body exceeds " + limit + " bytes");
  }

  /**
   * What the HTTP server refuses before a handler sees the request: a malformed request (400, with
   * the server's short reason), a body past {@code maxBodyBytes} (413), a head past {@link
   * WebServer#MAX_HEAD_BYTES} (431), a body that did not arrive in time (408).
   */
  public static ApiError refusedByHttp(int status, String reason, int maxBodyBytes) {
    return switch (status) {
      case 413 -> bodyTooLarge(maxBodyBytes);
      case 431 ->
          new ApiError(
              431,
              "HeaderTooLarge",
              "the request head exceeds " + WebServer.MAX_HEAD_BYTES + " bytes");
      case 408 -> new ApiError(408, "RequestTimeout", "the request did not arrive in time");
      case 505 ->
          new ApiError(
              505, "HttpVersionNotSupported", "the sidecar serves HTTP/1.1 (and HTTP/1.0) only");
      default ->
          status >= 500
              ? new ApiError(
                  status, "HttpError", "the HTTP server failed: " + BodyProblem.name(reason))
              : new ApiError(
                  status,
                  "BadRequest",
                  "malformed HTTP request"
                      + (reason.isBlank() ? "" : ": " + BodyProblem.name(reason)));
    };
  }

  /** The request body did not arrive, all of it, within {@code deadline}. */
  public static ApiError bodyTimeout(java.time.Duration deadline) {
    return new ApiError(
        408,
        "RequestTimeout",
        "the request body did not arrive within " + deadline.toSeconds() + " s");
  }

  /** The serial console has its one client already. */
  public static ApiError consoleBusy() {
    return new ApiError(
        409,
        "ConsoleBusy",
        "the serial console has a client already (one at a time): detach it first");
  }

  /** QEMU's serial console socket does not answer: QEMU is not running. */
  public static ApiError consoleUnavailable(String desc) {
    return new ApiError(503, "ConsoleUnavailable", desc);
  }

  /** The console stream is a WebSocket; the request did not open one. */
  public static ApiError upgradeRequired(String desc) {
    return new ApiError(426, "UpgradeRequired", desc);
  }

  public static ApiError notConnected(String desc) {
    return new ApiError(503, "QmpNotConnected", desc);
  }

  /** No dialect yet: QMP is not negotiated, or this QEMU has not been probed since it was. */
  public static ApiError notProbed() {
    return notConnected("QEMU's QMP monitor is not connected (or not yet probed)");
  }

  /** QEMU's socket is open but QEMU leaves QMP unanswered (stopped, or its main loop stuck). */
  public static ApiError unresponsive(java.time.Duration silent) {
    return new ApiError(
        503,
        "QmpUnresponsive",
        "QEMU has not answered QMP for "
            + silent.toSeconds()
            + " s: it is stopped or hung; commands sent now wait for it");
  }

  public static ApiError timeout(String desc) {
    return new ApiError(504, "QmpTimeout", desc);
  }

  /** The seed command exists, but this QEMU has neither it nor an equivalent. */
  public static ApiError unavailable(String reason) {
    return new ApiError(501, "CommandUnavailable", reason);
  }

  /**
   * The one mapping of QMP failures to HTTP: QEMU's own errors keep QEMU's class and desc (422); a
   * missed deadline is 504; a broken stream 502; no connection 503.
   */
  public static ApiError fromQmp(QmpException failure) {
    return switch (failure) {
      case QmpCommandException e -> new ApiError(422, e.errorClass(), e.desc());
      case QmpTimeoutException e -> timeout(e.getMessage());
      case QmpProtocolException e -> new ApiError(502, "QmpProtocolError", e.getMessage());
      default -> notConnected(failure.getMessage());
    };
  }
}
