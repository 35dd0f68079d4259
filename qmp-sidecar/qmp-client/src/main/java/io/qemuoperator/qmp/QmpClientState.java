package io.qemuoperator.qmp;

/** Where a {@link QmpClient} is in its connection life cycle. */
public enum QmpClientState {
  /** A connect attempt and negotiation are under way. */
  CONNECTING,
  /** Negotiated; commands can be sent. */
  RUNNING,
  /** Not connected; waiting for the next reconnect attempt. */
  DISCONNECTED,
  /** {@link QmpClient#close()} was called; terminal. */
  CLOSED
}
