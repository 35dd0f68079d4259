package io.qemuoperator.sidecar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.qemuoperator.sidecar.api.SidecarPaths;
import io.qemuoperator.testing.TestGuest;
import io.qemuoperator.testing.TestingQemu;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The guest's serial console through the real sidecar: the test guest ({@link TestGuest}, a root
 * shell on ttyS0) under TCG, its console log read over {@code /v1/console/log} and a command typed
 * into {@code /v1/console} (a WebSocket, the JDK's client) answered by the guest's shell.
 */
class GuestConsoleIT {
  private static final Duration BOOT = Duration.ofSeconds(120); // TCG on a loaded machine
  private static final long LOG_BOUND = 16 * 1024; // the boot log is larger: it rotates
  private static final String SHELL_BANNER = "built-in shell";

  @RegisterExtension
  final SidecarOnQemu vm =
      new SidecarOnQemu(
              TestingQemu.Options.defaults().withPaused(false).withGuest(TestGuest.find()))
          .withConsole(LOG_BOUND);

  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void guestBooted() {
    // the ready line, then the shell's banner: busybox's init starts the shell on ttyS0 only after
    // the boot script ends, and under load the log can be read between the two
    Awaitility.await("the test guest's ready line and its shell in /v1/console/log")
        .atMost(BOOT)
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              String text = log(SidecarPaths.consoleLog(1 << 20)).text();
              return text.contains(TestGuest.READY) && text.contains(SHELL_BANNER);
            });
  }

  private TestingSidecar.Answer log(String path) {
    return vm.sidecar().get(path, true);
  }

  /** Binary messages into one buffer, and the close. */
  private static final class Terminal implements WebSocket.Listener {
    private final ByteArrayOutputStream screen = new ByteArrayOutputStream();
    final CompletableFuture<String> closed = new CompletableFuture<>();

    @Override
    public CompletionStage<?> onBinary(WebSocket socket, ByteBuffer data, boolean last) {
      synchronized (screen) {
        byte[] bytes = new byte[data.remaining()];
        data.get(bytes);
        screen.writeBytes(bytes);
      }
      socket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket socket, int statusCode, String reason) {
      closed.complete(statusCode + " " + reason);
      return null;
    }

    @Override
    public void onError(WebSocket socket, Throwable error) {
      closed.completeExceptionally(error);
    }

    String screen() {
      synchronized (screen) {
        return screen.toString(StandardCharsets.UTF_8);
      }
    }
  }

  private CompletableFuture<WebSocket> attach(Terminal terminal, boolean withToken) {
    URI uri =
        URI.create(vm.sidecar().uri(SidecarPaths.CONSOLE).toString().replaceFirst("^http:", "ws:"));
    var builder = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10));
    if (withToken) {
      builder.header("Authorization", "Bearer " + vm.sidecar().token());
    }
    return builder.buildAsync(uri, terminal);
  }

  @Test
  void theBootLogIsReadThroughTheSidecarAndTheLogStaysBounded() throws Exception {
    TestingSidecar.Answer boot = log(SidecarPaths.consoleLog(1 << 20));
    assertThat(boot.status()).isEqualTo(200);
    assertThat(boot.text()).contains(TestGuest.READY, SHELL_BANNER);
    assertThat(log(SidecarPaths.consoleLog(100)).text().length()).isLessThanOrEqualTo(100);
    assertThat(vm.sidecar().get(SidecarPaths.CONSOLE_LOG, false).status())
        .as("without the token")
        .isEqualTo(401);
    assertThat(log(SidecarPaths.CONSOLE_LOG + "?bytes=-1").status()).isEqualTo(400);

    // the guest writes three times the bound: the log rotates, /v1/console/log follows it
    var terminal = new Terminal();
    WebSocket socket = attach(terminal, true).get(10, TimeUnit.SECONDS);
    socket.sendText("seq 100000 110000; echo seq-$((1+1))-done\n", true).get(5, TimeUnit.SECONDS);
    Awaitility.await("the guest's output on the stream")
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> terminal.screen().contains("seq-2-done"));
    Awaitility.await("the sidecar rotated the log back within its bound (checked every second)")
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                Files.exists(vm.qemu().serialLog().resolveSibling("serial.log.1"))
                    && Files.size(vm.qemu().serialLog()) <= LOG_BOUND);

    TestingSidecar.Answer kept = log(SidecarPaths.consoleLog(1 << 20));
    assertThat(kept.text()).contains("110000", "seq-2-done");
    assertThat(kept.text().length())
        .as("never more than the log and its previous part")
        .isLessThanOrEqualTo((int) (2 * LOG_BOUND) + 1);
  }

  @Test
  void aCommandTypedIntoTheConsoleIsAnsweredByTheGuestsShell() throws Exception {
    var terminal = new Terminal();
    WebSocket socket = attach(terminal, true).get(10, TimeUnit.SECONDS);

    // the shell's answer, not the echo of what was typed: 6*7 is computed by the guest
    socket.sendText("echo console-$((6*7))-answer\n", true).get(5, TimeUnit.SECONDS);
    Awaitility.await("the guest shell's answer on the console stream")
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> terminal.screen().contains("console-42-answer"));

    TestingSidecar.Answer since = log(SidecarPaths.consoleLog(4096));
    assertThat(since.text()).as("the log keeps what a client saw").contains("console-42-answer");

    // one client at a time
    var second = new Terminal();
    assertThatThrownBy(() -> attach(second, true).get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(WebSocketHandshakeException.class)
        .satisfies(
            e -> {
              var response = ((WebSocketHandshakeException) e).getResponse();
              assertThat(response.statusCode()).isEqualTo(409);
              assertThat(response.body().toString()).contains("ConsoleBusy");
            });

    socket.sendClose(WebSocket.NORMAL_CLOSURE, "detach").get(5, TimeUnit.SECONDS);
    assertThat(terminal.closed.get(10, TimeUnit.SECONDS)).startsWith("1000");

    // free again once the first one left
    var third = new Terminal();
    Awaitility.await("the console is free again")
        .atMost(Duration.ofSeconds(10))
        .ignoreExceptions()
        .until(() -> attach(third, true).get(10, TimeUnit.SECONDS) != null);
  }

  @Test
  void withoutTheTokenOrAsAPlainGetTheConsoleIsRefused() {
    assertThatThrownBy(() -> attach(new Terminal(), false).get(10, TimeUnit.SECONDS))
        .cause()
        .isInstanceOf(WebSocketHandshakeException.class)
        .satisfies(
            e ->
                assertThat(((WebSocketHandshakeException) e).getResponse().statusCode())
                    .isEqualTo(401));
    TestingSidecar.Answer plain = vm.sidecar().get(SidecarPaths.CONSOLE, true);
    assertThat(plain.status()).isEqualTo(426);
    assertThat(plain.errorClass()).isEqualTo("UpgradeRequired");
  }

  @Test
  void whenQemuGoesAwayTheClientIsClosedWithTheReason() throws Exception {
    var terminal = new Terminal();
    attach(terminal, true).get(10, TimeUnit.SECONDS);

    vm.qemu().kill();

    assertThat(terminal.closed.get(20, TimeUnit.SECONDS))
        .isEqualTo(
            SidecarPaths.CONSOLE_CLOSED_QEMU_GONE
                + " "
                + io.qemuoperator.sidecar.console.ConsoleSession.QEMU_GONE);
    TestingSidecar.Answer refused =
        vm.sidecar().get(SidecarPaths.CONSOLE, true); // plain GET: 426 before QEMU is looked at
    assertThat(refused.status()).isEqualTo(426);
  }
}
