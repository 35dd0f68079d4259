package io.qemuoperator.sidecar.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;

/**
 * An HTTP/1.1 connection after {@code 101 Switching Protocols}: the raw byte streams, for the
 * protocol the request asked for (see {@link ServerExchange#upgrade}). The input keeps whatever the
 * client sent right after its request head.
 */
public final class UpgradedConnection implements AutoCloseable {
  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  UpgradedConnection(Socket socket, InputStream in, OutputStream out) {
    this.socket = socket;
    this.in = in;
    this.out = out;
  }

  public InputStream in() {
    return in;
  }

  public OutputStream out() {
    return out;
  }

  /**
   * How long a read may wait for the client (zero: forever); past it the read throws {@link
   * java.net.SocketTimeoutException}. The HTTP server's idle limit no longer applies.
   */
  public void readTimeout(Duration timeout) throws SocketException {
    socket.setSoTimeout(Math.toIntExact(timeout.toMillis()));
  }

  /** Closes the socket: a read or write blocked on it in another thread fails at once. */
  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      // closing anyway
    }
  }
}
