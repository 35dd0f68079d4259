package io.qemuoperator.sidecar.web;

/** The JSON error body for an HTTP status the server answers itself, and Jetty's reason for it. */
@FunctionalInterface
public interface ErrorBodies {
  /**
   * @param reason Jetty's short reason (e.g. "Duplicate Content-Length"), possibly empty; it may be
   *     quoted, cut, or left out, but the body must not grow with the request
   */
  byte[] of(int status, String reason);
}
