package io.qemuoperator.local;

import io.qemuoperator.kubectl.Terminal;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/** One run of {@link LocalCli} in this JVM: its exit code and what it printed. */
record CliRun(int code, String out, String err) {

  static CliRun of(Map<String, String> env, String... args) {
    return withInput(InputStream.nullInputStream(), env, args);
  }

  /** A run whose standard input is {@code in} (not a terminal), e.g. keys for {@code console}. */
  static CliRun withInput(InputStream in, Map<String, String> env, String... args) {
    var out = new ByteArrayOutputStream();
    var err = new ByteArrayOutputStream();
    int code =
        new LocalCli(
                in,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8),
                env,
                Terminal.none())
            .run(args);
    return new CliRun(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /**
   * A run that does not end by itself (e.g. {@code logs -f}), interrupted (as Ctrl-C stops it) once
   * what it printed so far satisfies {@code printed}, or after {@code timeout}; then its result.
   */
  static CliRun until(
      java.util.function.Predicate<String> printed,
      java.time.Duration timeout,
      Map<String, String> env,
      String... args) {
    var out = new ByteArrayOutputStream();
    var err = new ByteArrayOutputStream();
    var printOut = new PrintStream(out, true, StandardCharsets.UTF_8);
    Thread cli = Thread.currentThread();
    Thread watcher =
        Thread.ofPlatform()
            .name("cli-watch-" + args[0])
            .start(
                () -> {
                  try {
                    Awaitility.await(String.join(" ", args) + " printed what was expected")
                        .atMost(timeout)
                        .pollInterval(java.time.Duration.ofMillis(100))
                        .until(
                            () -> {
                              synchronized (printOut) {
                                return printed.test(out.toString(StandardCharsets.UTF_8));
                              }
                            });
                  } catch (ConditionTimeoutException e) {
                    // stopped all the same: the caller's assertions say what was missing
                  } catch (RuntimeException e) {
                    if (!(e.getCause() instanceof InterruptedException)) {
                      throw e;
                    }
                    return; // the CLI ended by itself
                  }
                  cli.interrupt();
                });
    int code =
        new LocalCli(
                InputStream.nullInputStream(),
                printOut,
                new PrintStream(err, true, StandardCharsets.UTF_8),
                env,
                Terminal.none())
            .run(args);
    watcher.interrupt();
    while (watcher.isAlive()) {
      try {
        watcher.join();
      } catch (InterruptedException late) {
        // the watcher's interrupt of this thread, come after the CLI ended: not the caller's
      }
    }
    Thread.interrupted(); // the same, come before the join
    return new CliRun(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }
}
