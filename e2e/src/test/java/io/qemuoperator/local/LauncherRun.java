package io.qemuoperator.local;

import io.qemuoperator.testing.RepoFiles;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code local-cluster/qemu-operator-local up -f examples/ --no-tty ARGS...} run as a newcomer runs
 * it, from the repository's root with its own state file: what it says on stderr is kept, and the
 * line it prints for a second shell ({@code KUBECTL --kubeconfig FILE get qvm}) is awaited.
 */
final class LauncherRun {
  private static final Pattern KUBECTL_LINE = Pattern.compile("(\\S+) --kubeconfig (\\S+) get qvm");

  private final Process process;
  private final Path state;
  private final List<String> stderr = new CopyOnWriteArrayList<>();
  private final CompletableFuture<Matcher> kubectlLine = new CompletableFuture<>();

  private LauncherRun(Process process, Path state) {
    this.process = process;
    this.state = state;
  }

  /** Starts {@code up} on the examples with {@code args} and environment {@code env}. */
  static LauncherRun up(List<String> args, java.util.Map<String, String> env) throws IOException {
    Path state = Files.createTempDirectory("qo-launcher-").resolve("local-cluster");
    var command = new ArrayList<String>();
    command.addAll(
        List.of(
            "bash",
            RepoFiles.file("local-cluster/qemu-operator-local").toString(),
            "up",
            "-f",
            "examples/",
            "--no-tty"));
    command.addAll(args);
    var builder = new ProcessBuilder(command).directory(RepoFiles.root().toFile());
    builder.environment().put("QEMU_OPERATOR_LOCAL_STATE", state.toString());
    builder.environment().putAll(env);
    builder.redirectOutput(ProcessBuilder.Redirect.DISCARD);
    var run = new LauncherRun(builder.start(), state);
    Thread.ofPlatform().daemon().start(run::readStderr);
    return run;
  }

  private void readStderr() {
    try (var lines =
        new BufferedReader(
            new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = lines.readLine()) != null; ) {
        stderr.add(line);
        Matcher m = KUBECTL_LINE.matcher(line);
        if (m.find()) {
          kubectlLine.complete(m);
        }
      }
    } catch (IOException e) {
      kubectlLine.completeExceptionally(e);
    }
    kubectlLine.completeExceptionally(new AssertionError("the launcher printed no kubectl line"));
  }

  /** The kubectl line, once printed: group 1 the kubectl, group 2 the kubeconfig. */
  Matcher awaitKubectlLine(Duration timeout)
      throws InterruptedException, ExecutionException, TimeoutException {
    return kubectlLine.get(timeout.toSeconds(), TimeUnit.SECONDS);
  }

  Process process() {
    return process;
  }

  /** Its state file, which it removes when it ends. */
  Path state() {
    return state;
  }

  /** Everything it said on stderr so far, for failure messages. */
  String output() {
    return String.join("\n", stderr);
  }

  /** Ends it and everything it started at once (after a failure). */
  void kill() {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
  }

  /** The QemuVMs the examples declare (one document each). */
  static long exampleVms() throws IOException {
    try (var files = Files.list(RepoFiles.root().resolve("examples"))) {
      long count = 0;
      for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).toList()) {
        count +=
            Files.readAllLines(file).stream().filter(line -> line.equals("kind: QemuVM")).count();
      }
      return count;
    }
  }
}
