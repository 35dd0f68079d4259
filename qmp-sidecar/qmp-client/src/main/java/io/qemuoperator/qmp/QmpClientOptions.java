package io.qemuoperator.qmp;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link QmpClient} connects, negotiates, times out and reconnects. {@code
 * eventBufferCapacity} bounds both the client's ring of recent events ({@link QmpClient#events()})
 * and each event listener's queue ({@link QmpEventSubscription}).
 */
public record QmpClientOptions(
    Path socket,
    Duration connectTimeout,
    Duration negotiationTimeout,
    Duration commandTimeout,
    Duration reconnectInitialBackoff,
    Duration reconnectMaxBackoff,
    int eventBufferCapacity,
    int maxLineBytes) {

  public QmpClientOptions {
    Objects.requireNonNull(socket, "socket");
    requirePositive(connectTimeout, "connectTimeout");
    requirePositive(negotiationTimeout, "negotiationTimeout");
    requirePositive(commandTimeout, "commandTimeout");
    requirePositive(reconnectInitialBackoff, "reconnectInitialBackoff");
    requirePositive(reconnectMaxBackoff, "reconnectMaxBackoff");
    if (reconnectMaxBackoff.compareTo(reconnectInitialBackoff) < 0) {
      throw new IllegalArgumentException("reconnectMaxBackoff is shorter than the initial backoff");
    }
    if (eventBufferCapacity < 1) {
      throw new IllegalArgumentException("eventBufferCapacity must be at least 1");
    }
    if (maxLineBytes < 1024) {
      throw new IllegalArgumentException("maxLineBytes must be at least 1024");
    }
  }

  /** 5 s connect, 5 s negotiation, 30 s per command, backoff 100 ms..5 s, 1024 events, 10 MiB. */
  public static QmpClientOptions defaults(Path socket) {
    return new QmpClientOptions(
        socket,
        Duration.ofSeconds(5),
        Duration.ofSeconds(5),
        Duration.ofSeconds(30),
        Duration.ofMillis(100),
        Duration.ofSeconds(5),
        1024,
        10 * 1024 * 1024);
  }

  private static void requirePositive(Duration d, String name) {
    Objects.requireNonNull(d, name);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be positive");
    }
  }
}
