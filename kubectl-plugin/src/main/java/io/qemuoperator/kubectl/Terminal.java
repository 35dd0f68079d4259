package io.qemuoperator.kubectl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The user's terminal: raw mode while a console is attached (every key goes to the guest as typed,
 * Ctrl-C included; no local echo), restored afterwards, also when the JVM is stopped. Set with
 * {@code stty} on the process's own standard input, as terminal programs do.
 */
public interface Terminal {

  /** Whether standard input is a terminal (raw mode applies). */
  boolean isTerminal();

  /** Raw mode on; running the returned action restores the previous mode. */
  Runnable raw() throws IOException;

  /** Not a terminal: input is read as it comes (a pipe, a test). */
  static Terminal none() {
    return new Terminal() {
      @Override
      public boolean isTerminal() {
        return false;
      }

      @Override
      public Runnable raw() {
        return () -> {};
      }
    };
  }

  /** This process's standard input, through {@code stty}. */
  static Terminal system() {
    return new Terminal() {
      @Override
      public boolean isTerminal() {
        try {
          return stty("-g").exit == 0;
        } catch (IOException e) {
          return false;
        }
      }

      @Override
      public Runnable raw() throws IOException {
        Result saved = stty("-g");
        if (saved.exit != 0) {
          return () -> {};
        }
        String mode = saved.output.strip();
        Thread restore = new Thread(() -> restore(mode), "terminal-restore");
        Runtime.getRuntime().addShutdownHook(restore);
        stty("raw", "-echo");
        var restored = new java.util.concurrent.atomic.AtomicBoolean();
        return () -> {
          if (restored.getAndSet(true)) {
            return;
          }
          restore(mode);
          try {
            Runtime.getRuntime().removeShutdownHook(restore);
          } catch (IllegalStateException shuttingDown) {
            // the hook runs anyway
          }
        };
      }

      private static void restore(String mode) {
        try {
          stty(mode);
        } catch (IOException e) {
          // nothing more to do: the user can type 'stty sane'
        }
      }
    };
  }

  private static Result stty(String... args) throws IOException {
    var command = new java.util.ArrayList<>(List.of("stty"));
    command.addAll(List.of(args));
    Process process =
        new ProcessBuilder(command)
            .redirectInput(ProcessBuilder.Redirect.INHERIT)
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        return new Result(-1, output);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(-1, output);
    }
    return new Result(process.exitValue(), output);
  }

  /** What {@code stty} answered. */
  record Result(int exit, String output) {}
}
