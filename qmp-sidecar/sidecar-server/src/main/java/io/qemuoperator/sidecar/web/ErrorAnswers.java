package io.qemuoperator.sidecar.web;

import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Invocable.InvocationType;

/**
 * The answers to what Jetty refuses before a handler sees it (a malformed request 400, a body past
 * the cap 413, a head past its size 431, …): the sidecar's JSON error body, from {@link
 * ErrorBodies}, whatever the client accepts.
 */
final class ErrorAnswers implements Request.Handler {
  private final ErrorBodies bodies;

  ErrorAnswers(ErrorBodies bodies) {
    this.bodies = bodies;
  }

  /** It writes one small buffer and never blocks: Jetty may run it on the thread that parsed. */
  @Override
  public InvocationType getInvocationType() {
    return InvocationType.NON_BLOCKING;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    int status =
        request.getAttribute(ErrorHandler.ERROR_STATUS) instanceof Integer code
            ? code
            : response.getStatus();
    String reason =
        request.getAttribute(ErrorHandler.ERROR_MESSAGE) instanceof String message ? message : "";
    byte[] body = bodies.of(status, reason);
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
    response.write(true, ByteBuffer.wrap(body), callback);
    return true;
  }
}
