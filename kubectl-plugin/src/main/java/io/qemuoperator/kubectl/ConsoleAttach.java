package io.qemuoperator.kubectl;

import io.qemuoperator.sidecar.api.SidecarPaths;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Attaches a terminal to a VM's serial console ({@code /v1/console}, a WebSocket): what the user
 * types goes to the guest as raw bytes, what the guest writes comes back as is. The detach key is
 * Ctrl-] (byte 0x1d, as telnet and {@code virsh console}); standard input ending detaches too. On a
 * terminal, raw mode is on while attached.
 */
public final class ConsoleAttach {
  /** Ctrl-]. */
  public static final int DETACH_KEY = 0x1d;

  public static final int OK = 0;
  public static final int FAILED = 1;

  private static final Duration CONNECT = Duration.ofSeconds(15);
  private static final String DETACHED = "Detached from the serial console.";

  private final InputStream in;
  private final PrintStream out;
  private final PrintStream err;
  private final Terminal terminal;

  public ConsoleAttach(InputStream in, PrintStream out, PrintStream err, Terminal terminal) {
    this.in = in;
    this.out = out;
    this.err = err;
    this.terminal = terminal;
  }

  /** Attaches to {@code vm}'s console at {@code sidecar} until detached or closed; exit code. */
  public int run(String vm, SidecarEndpoint sidecar) throws InterruptedException {
    var screen = new Screen(out);
    WebSocket socket;
    try {
      socket =
          HttpClient.newHttpClient()
              .newWebSocketBuilder()
              .connectTimeout(CONNECT)
              .header("Authorization", sidecar.authorization())
              .buildAsync(sidecar.webSocket(SidecarPaths.CONSOLE), screen)
              .get(CONNECT.toSeconds() + 5, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      err.println("error: " + refusal(vm, e.getCause()));
      return FAILED;
    } catch (TimeoutException e) {
      err.println(
          "error: the sidecar of " + vm + " did not answer within " + CONNECT.toSeconds() + " s");
      return FAILED;
    }
    boolean raw = terminal.isTerminal();
    String eol = raw ? "\r\n" : "\n";
    err.print(
        "Connected to the serial console of "
            + vm
            + ". Detach with Ctrl-] (escape character is '^]')."
            + eol);
    err.flush();
    Runnable restore = () -> {};
    try {
      restore = terminal.raw();
      Thread keys = Thread.ofVirtual().name("console-keys").start(() -> typeKeys(socket, screen));
      String closed = screen.closed.get();
      keys.interrupt();
      restore.run();
      err.print(eol + closed + eol);
      err.flush();
      return OK;
    } catch (ExecutionException e) {
      restore.run();
      err.print(eol + "error: the console connection failed: " + e.getCause().getMessage() + eol);
      return FAILED;
    } catch (IOException e) {
      err.print(eol + "error: cannot set the terminal to raw mode: " + e.getMessage() + eol);
      return FAILED;
    } finally {
      restore.run();
      socket.abort();
    }
  }

  /** Reads the user's keys and sends them; Ctrl-] or the end of input detaches. */
  private void typeKeys(WebSocket socket, Screen screen) {
    byte[] buffer = new byte[1024];
    try {
      while (true) {
        int n = in.read(buffer);
        if (n < 0) {
          break;
        }
        int detach = indexOf(buffer, n, (byte) DETACH_KEY);
        int send = detach < 0 ? n : detach;
        if (send > 0) {
          socket.sendBinary(ByteBuffer.wrap(buffer, 0, send).slice(), true).get();
        }
        if (detach >= 0) {
          break;
        }
      }
      screen.detaching = true;
      // the sidecar answers the close (then onClose says detached); at most 5 s
      screen.closed.completeOnTimeout(DETACHED, 5, TimeUnit.SECONDS);
      socket.sendClose(WebSocket.NORMAL_CLOSURE, "detached").get(5, TimeUnit.SECONDS);
    } catch (IOException | ExecutionException | TimeoutException e) {
      screen.closed.complete("Detached (" + e.getMessage() + ").");
    } catch (InterruptedException e) {
      // the console closed: nothing more to send
    }
  }

  private static int indexOf(byte[] bytes, int length, byte wanted) {
    for (int i = 0; i < length; i++) {
      if (bytes[i] == wanted) {
        return i;
      }
    }
    return -1;
  }

  /** What a refused handshake means, in the user's words. */
  static String refusal(String vm, Throwable cause) {
    if (cause instanceof WebSocketHandshakeException handshake) {
      return switch (handshake.getResponse().statusCode()) {
        case 401 -> "the sidecar of " + vm + " refused the token (401)";
        case 409 ->
            "the serial console of "
                + vm
                + " has a client already (one at a time): detach it first (409)";
        case 503 -> "QEMU of " + vm + " is not running: its serial console does not answer (503)";
        default ->
            "the sidecar of "
                + vm
                + " refused the console: HTTP "
                + handshake.getResponse().statusCode();
      };
    }
    return "cannot reach the sidecar of " + vm + ": " + cause;
  }

  /** Writes what the guest sends; completes {@link #closed} with how the console ended. */
  private static final class Screen implements WebSocket.Listener {
    final CompletableFuture<String> closed = new CompletableFuture<>();
    volatile boolean detaching;
    private final PrintStream out;

    Screen(PrintStream out) {
      this.out = out;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket socket, ByteBuffer data, boolean last) {
      byte[] bytes = new byte[data.remaining()];
      data.get(bytes);
      out.write(bytes, 0, bytes.length);
      out.flush();
      socket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
      out.print(data);
      out.flush();
      socket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket socket, int statusCode, String reason) {
      if (detaching) {
        closed.complete(DETACHED);
        return null;
      }
      closed.complete(
          "The console closed"
              + (reason == null || reason.isEmpty() ? "" : ": " + reason)
              + " (code "
              + statusCode
              + ").");
      return null;
    }

    @Override
    public void onError(WebSocket socket, Throwable error) {
      closed.completeExceptionally(error);
    }
  }
}
