package io.qemuoperator.qmp;

/** Told about session changes of a {@link QmpClient}; called on the client's own threads. */
public interface QmpSessionListener {
  /** A session was negotiated; commands can be sent. */
  default void connected(QmpGreeting greeting) {}

  /** The session ended; in-flight commands have failed. The client reconnects unless closed. */
  default void disconnected(QmpException cause) {}

  /**
   * A connect attempt or its negotiation failed (for example no greeting because another client
   * holds the socket); the client retries after a backoff unless closed.
   */
  default void attemptFailed(QmpException cause) {}
}
