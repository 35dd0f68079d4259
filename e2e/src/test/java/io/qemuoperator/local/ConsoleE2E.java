package io.qemuoperator.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.qemuoperator.kubectl.ConsoleAttach;
import io.qemuoperator.testing.RepoFiles;
import io.qemuoperator.testing.TestGuest;
import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The local CLI's {@code console} and {@code logs} on a VM that boots the test guest (a root shell
 * on ttyS0), on the local cluster (mock API server): the CLI finds the VM's pod and token through
 * the API server and talks to the real sidecar.
 */
@ExtendWith(LogScan.class)
class ConsoleE2E {
  private static final Duration BOOT = Duration.ofSeconds(120); // TCG on a loaded machine

  private E2eCluster e2e;
  private Map<String, String> env;

  @BeforeEach
  void start() throws Exception {
    e2e = E2eCluster.onMockApiServer();
    Path state = Files.createTempDirectory("qo-console-").resolve("local-cluster");
    new StateFile(state).write(e2e.cluster.apiServerUrl(), Optional.empty());
    env = new HashMap<>(System.getenv());
    env.put("QEMU_OPERATOR_LOCAL_STATE", state.toString());
  }

  @AfterEach
  void stop() throws Exception {
    if (e2e != null) {
      e2e.close();
    }
  }

  /** {@code args} in the scenario's namespace. */
  private String[] inNamespace(String... args) {
    var all = new java.util.ArrayList<>(List.of(args));
    all.addAll(List.of("-n", e2e.ns));
    return all.toArray(String[]::new);
  }

  private CliRun cli(String... args) {
    return CliRun.of(env, inNamespace(args));
  }

  /** The VM {@code name}, its disk imported from the test guest's image, booted to its shell. */
  private void bootTestGuest(String name) throws Exception {
    e2e.bootTestGuest(name, BOOT, s -> {});
  }

  @Test
  void consoleTypesIntoTheGuestsShellAndLogsShowsWhatItWrote() throws Exception {
    bootTestGuest("con-1");

    CliRun logs = cli("logs", "con-1");
    assertThat(logs.code()).as(logs.err()).isZero();
    assertThat(logs.out()).as("the boot log, through the sidecar").contains(TestGuest.READY);

    var keys = new PipedOutputStream();
    var in = new PipedInputStream(keys, 4096);
    CompletableFuture<CliRun> attached =
        CompletableFuture.supplyAsync(
            () -> CliRun.withInput(in, env, inNamespace("console", "con-1")));
    type(keys, "echo typed-$((6*7))-answer\n");
    e2e.awaitConsole("con-1", "typed-42-answer", Duration.ofSeconds(60));

    CliRun second = cli("console", "con-1");
    assertThat(second.code()).isEqualTo(ConsoleAttach.FAILED);
    assertThat(second.err()).contains("has a client already", "(409)");

    keys.write(ConsoleAttach.DETACH_KEY);
    keys.flush();
    CliRun console = attached.get(30, TimeUnit.SECONDS);
    assertThat(console.code()).as(console.err()).isZero();
    assertThat(console.out()).as("the guest shell's answer").contains("typed-42-answer");
    assertThat(console.err())
        .contains("Connected to the serial console of qemuvm/con-1", "Detach with Ctrl-]")
        .contains("Detached from the serial console.");

    // logs -f: what the guest writes after it started (its power-button handler, once the VM is
    // asked to stop), then Ctrl-C (an interrupt here)
    CompletableFuture<CliRun> following =
        CompletableFuture.supplyAsync(
            () ->
                CliRun.until(
                    out -> out.contains("power button, powering off"),
                    Duration.ofSeconds(90),
                    env,
                    inNamespace("logs", "con-1", "-f", "--bytes", "100")));
    e2e.awaitConsole("con-1", "typed-42-answer", Duration.ofSeconds(1)); // (already there)
    e2e.edit("con-1", s -> s.setRunning(false));
    CliRun followed = following.get(120, TimeUnit.SECONDS);
    assertThat(followed.out())
        .as(followed.code() + " " + followed.err())
        .contains("power button, powering off");
    assertThat(followed.out().length())
        .as("--bytes 100, then only what came after")
        .isLessThan(1000);
  }

  @Test
  void onATerminalTheConsoleIsRawUntilCtrlRightBracket() throws Exception {
    bootTestGuest("tty-1");
    // the launcher, as a user runs it, on a pseudo-terminal (script(1)); keys come from this test
    var command =
        new ProcessBuilder(
            "script",
            "-q",
            "-e",
            "-c",
            RepoFiles.file("local-cluster/qemu-operator-local") + " console tty-1 -n " + e2e.ns,
            "/dev/null");
    command.environment().putAll(env);
    command.redirectErrorStream(true);
    Process terminal = command.start();
    var screen = new StringBuffer();
    Thread.ofVirtual()
        .start(
            () -> {
              try (var from = terminal.getInputStream()) {
                byte[] buffer = new byte[4096];
                for (int n = from.read(buffer); n >= 0; n = from.read(buffer)) {
                  screen.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
                }
              } catch (IOException e) {
                // the terminal closed
              }
            });
    try (var keys = terminal.getOutputStream()) {
      Awaitility.await("attached")
          .atMost(Duration.ofSeconds(60))
          .until(() -> screen.toString().contains("Detach with Ctrl-]"));
      // raw mode: Ctrl-C goes to the guest (it stops the guest's sleep), not to the CLI
      keys.write("sleep 60\r".getBytes(StandardCharsets.UTF_8));
      keys.flush();
      e2e.awaitConsole("tty-1", "sleep 60", Duration.ofSeconds(30));
      keys.write(3);
      keys.write("echo after-$((1+1))\r".getBytes(StandardCharsets.UTF_8));
      keys.flush();
      Awaitility.await("the guest's answer after Ctrl-C")
          .atMost(Duration.ofSeconds(60))
          .until(() -> screen.toString().contains("after-2"));
      assertThat(terminal.isAlive()).as("Ctrl-C did not end the CLI").isTrue();
      keys.write(ConsoleAttach.DETACH_KEY);
      keys.flush();
      assertThat(terminal.waitFor(30, TimeUnit.SECONDS)).as(screen.toString()).isTrue();
    } finally {
      terminal.destroyForcibly();
    }
    assertThat(terminal.exitValue()).as(screen.toString()).isZero();
    assertThat(screen.toString()).contains("Detached from the serial console.");
  }

  @Test
  void theConsoleOfAVmWithoutARunningPodIsExplained() {
    CliRun run = cli("console", "nothing-here");
    assertThat(run.code()).isEqualTo(LocalCli.NOT_READY);
    assertThat(run.err()).contains("qemuvm nothing-here has no running pod in namespace test");
  }

  /** Types {@code text} once the console is attached (the pipe is read from then on). */
  private static void type(PipedOutputStream keys, String text) throws IOException {
    keys.write(text.getBytes(StandardCharsets.UTF_8));
    keys.flush();
  }
}
