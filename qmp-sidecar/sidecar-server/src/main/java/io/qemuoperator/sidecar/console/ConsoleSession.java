package io.qemuoperator.sidecar.console;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.StatusCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client on the serial console, as a Jetty WebSocket endpoint: the raw bytes both ways between
 * the client and QEMU's console socket, until either side ends. The client's frames (binary or
 * text) are typed into the console as they arrive; the guest's output is read on a virtual thread
 * and sent as binary frames, one at a time, each under the write deadline (a client that stops
 * reading is disconnected). A ping every {@code pingInterval} asks a live client for a pong; a
 * client heard nothing from for {@code clientSilence} is dropped. When QEMU's console closes (QEMU
 * stopped) the client gets close code 1001 with the reason, and the connection ends once the client
 * answers it, or after {@link #CLOSE_GRACE}.
 */
public final class ConsoleSession implements Session.Listener.AutoDemanding {
  private static final Logger log = LoggerFactory.getLogger(ConsoleSession.class);

  /** How long the client has to answer a close the sidecar sent, before the connection ends. */
  static final Duration CLOSE_GRACE = Duration.ofSeconds(2);

  /** The largest frame a client may send; a larger one closes the session with 1009. */
  public static final int MAX_FRAME_BYTES = 64 * 1024;

  /** The close reason a client sees when QEMU's console went away. */
  public static final String QEMU_GONE = "QEMU's serial console closed (QEMU stopped)";

  private final SerialConsole.Attachment console;
  private final ScheduledExecutorService timer;
  private final Duration pingInterval;
  private final Duration writeDeadline;
  private final Duration clientSilence;
  private final AtomicBoolean ended = new AtomicBoolean();
  private volatile Session session;
  private volatile long heardAt;
  private volatile ScheduledFuture<?> pings;

  public ConsoleSession(
      SerialConsole.Attachment console,
      ScheduledExecutorService timer,
      Duration pingInterval,
      Duration writeDeadline,
      Duration clientSilence) {
    this.console = console;
    this.timer = timer;
    this.pingInterval = pingInterval;
    this.writeDeadline = writeDeadline;
    this.clientSilence = clientSilence;
  }

  @Override
  public void onWebSocketOpen(Session opened) {
    session = opened;
    heardAt = System.nanoTime();
    opened.setMaxFrameSize(MAX_FRAME_BYTES);
    opened.setMaxBinaryMessageSize(MAX_FRAME_BYTES);
    opened.setMaxTextMessageSize(MAX_FRAME_BYTES);
    // our pings keep a live connection from Jetty's idle timeout; the silence check ends a dead one
    opened.setIdleTimeout(clientSilence.plus(pingInterval));
    Thread.ofVirtual().name("console-output").start(this::guestToClient);
    pings =
        timer.scheduleAtFixedRate(
            this::ping, pingInterval.toMillis(), pingInterval.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
    heardAt = System.nanoTime();
    try {
      type(payload);
      callback.succeed();
    } catch (IOException e) {
      callback.fail(e);
      end();
    }
  }

  @Override
  public void onWebSocketText(String text) {
    heardAt = System.nanoTime();
    try {
      type(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
    } catch (IOException e) {
      end();
    }
  }

  @Override
  public void onWebSocketPong(ByteBuffer payload) {
    heardAt = System.nanoTime();
  }

  @Override
  public void onWebSocketPing(ByteBuffer payload) {
    heardAt = System.nanoTime();
  }

  @Override
  public void onWebSocketClose(int statusCode, String reason, Callback callback) {
    release();
    callback.succeed(); // Jetty then answers the client's close
  }

  @Override
  public void onWebSocketError(Throwable cause) {
    log.debug("console client failed: {}", cause.toString());
    end();
  }

  /** Ends the session at once: released, and the connection dropped. */
  private void end() {
    release();
    Session open = session;
    if (open != null && open.isOpen()) {
      open.disconnect();
    }
  }

  /** The console is let go (for the next client), the pings stop. Idempotent. */
  private void release() {
    if (ended.compareAndSet(false, true)) {
      ScheduledFuture<?> scheduled = pings;
      if (scheduled != null) {
        scheduled.cancel(false);
      }
      console.close();
    }
  }

  /** Writes the client's keys to the console, under the write deadline. */
  private void type(ByteBuffer keys) throws IOException {
    ScheduledFuture<?> deadline =
        timer.schedule(console::close, writeDeadline.toMillis(), TimeUnit.MILLISECONDS);
    try {
      while (keys.hasRemaining()) {
        console.channel().write(keys);
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
          session.close(StatusCode.SHUTDOWN, QEMU_GONE, Callback.NOOP);
          timer.schedule(this::end, CLOSE_GRACE.toMillis(), TimeUnit.MILLISECONDS);
          return;
        }
        buffer.flip();
        var sent = new Callback.Completable();
        session.sendBinary(buffer, sent);
        sent.get(writeDeadline.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (IOException | ExecutionException | TimeoutException e) {
      // the session is ending: the client left (the console was closed under this read) or stopped
      // reading (the write deadline passed)
      end();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      end();
    }
  }

  private void ping() {
    if (System.nanoTime() - heardAt > clientSilence.toNanos()) {
      log.debug("console client silent for over {}: dropped", clientSilence);
      end();
    } else {
      session.sendPing(ByteBuffer.allocate(0), Callback.NOOP);
    }
  }
}
