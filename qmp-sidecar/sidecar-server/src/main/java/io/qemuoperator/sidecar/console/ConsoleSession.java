package io.qemuoperator.sidecar.console;

import io.qemuoperator.sidecar.http.WebSocket;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client on the serial console: the raw bytes both ways between its WebSocket and QEMU's
 * console socket, until either side ends. The client's frames are read on the calling thread (the
 * HTTP connection's) and typed into the console; the guest's output is read on a virtual thread and
 * sent as binary frames. A ping every {@code pingInterval} keeps a live client's read timeout from
 * passing (its pong resets it); a client that answers nothing is dropped. When QEMU's console
 * closes (QEMU stopped) the client gets close code 1001 with the reason, and the connection ends
 * once the client answers it, or after {@link #CLOSE_GRACE}.
 */
public final class ConsoleSession {
  private static final Logger log = LoggerFactory.getLogger(ConsoleSession.class);

  /** How long the client has to answer a close the sidecar sent, before the connection ends. */
  static final Duration CLOSE_GRACE = Duration.ofSeconds(2);

  /** The close reason a client sees when QEMU's console went away. */
  public static final String QEMU_GONE = "QEMU's serial console closed (QEMU stopped)";

  private final WebSocket client;
  private final SerialConsole.Attachment console;
  private final ScheduledExecutorService timer;
  private final Duration pingInterval;
  private final Duration writeDeadline;

  public ConsoleSession(
      WebSocket client,
      SerialConsole.Attachment console,
      ScheduledExecutorService timer,
      Duration pingInterval,
      Duration writeDeadline) {
    this.client = client;
    this.console = console;
    this.timer = timer;
    this.pingInterval = pingInterval;
    this.writeDeadline = writeDeadline;
  }

  /** Runs the session on this thread until the client or QEMU ends it; closes both. */
  public void run() {
    Thread output = Thread.ofVirtual().name("console-output").start(this::guestToClient);
    ScheduledFuture<?> pings =
        timer.scheduleAtFixedRate(
            this::ping, pingInterval.toMillis(), pingInterval.toMillis(), TimeUnit.MILLISECONDS);
    try {
      clientToGuest();
    } finally {
      pings.cancel(false);
      console.close();
      client.abort();
      try {
        output.join(CLOSE_GRACE.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void clientToGuest() {
    try {
      while (true) {
        switch (client.read()) {
          case WebSocket.Incoming.Data data -> type(data.bytes());
          case WebSocket.Incoming.Closed closed -> {
            return;
          }
        }
      }
    } catch (IOException e) {
      log.debug("console client gone: {}", e.toString());
    }
  }

  /** Writes the client's keys to the console, under the write deadline. */
  private void type(byte[] keys) throws IOException {
    ScheduledFuture<?> deadline =
        timer.schedule(console::close, writeDeadline.toMillis(), TimeUnit.MILLISECONDS);
    try {
      var buffer = ByteBuffer.wrap(keys);
      while (buffer.hasRemaining()) {
        console.channel().write(buffer);
      }
    } finally {
      deadline.cancel(false);
    }
  }

  private void guestToClient() {
    var buffer = ByteBuffer.allocate(8192);
    try {
      while (true) {
        buffer.clear();
        int n = console.channel().read(buffer);
        if (n < 0) {
          client.close(WebSocket.GOING_AWAY, QEMU_GONE);
          timer.schedule(client::abort, CLOSE_GRACE.toMillis(), TimeUnit.MILLISECONDS);
          return;
        }
        client.sendBinary(buffer.array(), 0, n);
      }
    } catch (IOException e) {
      // the session is ending: the client left (the console was closed under this read) or stopped
      // reading (its write deadline passed)
      client.abort();
    }
  }

  private void ping() {
    try {
      client.ping();
    } catch (IOException e) {
      client.abort();
    }
  }
}
