package io.qemuoperator.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;

/**
 * The test guest's root shell on its serial console ({@link TestingQemu#serialLog()} with a {@link
 * TestGuest}, or a VM pod's console socket and log on the local cluster): a command is typed into
 * the console's socket and its output read back from the console's log, up to an end marker the
 * shell prints after it. One client at a time (QEMU's socket chardev takes one; the sidecar's
 * console stream must not be attached meanwhile): keep one {@code GuestShell} per QEMU and close
 * it.
 */
public final class GuestShell implements AutoCloseable {
  private final SocketChannel console;
  private final Path log;
  private static final Duration ECHO = Duration.ofSeconds(5);
  private static final String SHELL_BANNER = "Enter 'help' for a list of built-in commands.";
  private final AtomicInteger commands = new AtomicInteger();

  /** Whether the shell's banner is to be awaited in the log (a guest booted on this console). */
  private final boolean bootedHere;

  private GuestShell(SocketChannel console, Path log, boolean bootedHere) {
    this.console = console;
    this.log = log;
    this.bootedHere = bootedHere;
    // QEMU's socket chardev waits for its client to read: undrained, the guest's console (and
    // the log file) stop once the socket's buffer is full. The log is what is read.
    Thread.ofVirtual().name("guest-console-drain").start(this::drain);
  }

  private void drain() {
    ByteBuffer buffer = ByteBuffer.allocate(4096);
    try {
      while (console.read(buffer) >= 0) {
        buffer.clear();
      }
    } catch (IOException closed) {
      // QEMU ended or close() was called
    }
  }

  /** Connects to the serial console of {@code qemu} (started with a guest). */
  public static GuestShell of(TestingQemu qemu) {
    return attach(qemu.dir().resolve("serial.sock"), qemu.serialLog());
  }

  /**
   * Connects to the console socket {@code socket} of a QEMU that logs the console to {@code log}.
   */
  public static GuestShell attach(Path socket, Path log) {
    return attach(socket, log, true);
  }

  /**
   * Connects to the console of a QEMU that received its running guest by a migration: its log
   * starts after the guest's boot, so no shell banner is awaited in it.
   */
  public static GuestShell attachMigrated(Path socket, Path log) {
    return attach(socket, log, false);
  }

  private static GuestShell attach(Path socket, Path log, boolean bootedHere) {
    try {
      return new GuestShell(
          SocketChannel.open(UnixDomainSocketAddress.of(socket)), log, bootedHere);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void type(String text) throws IOException {
    console.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
  }

  /**
   * Runs {@code command} in the guest's shell and answers what it printed (stdout and stderr, lines
   * joined by {@code \n}), once it has finished, within {@code timeout}. The line editor of busybox
   * ash, with no terminal to answer its cursor query (ESC [6n), now and then loses part of a typed
   * line: a line whose first marker does not come back within {@link #ECHO} is cancelled (Ctrl-C)
   * and typed again.
   */
  public String run(String command, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      // typed before the shell runs, a line is flushed when ash sets up its terminal
      if (bootedHere) {
        Awaitility.await("the guest's shell on its console")
            .atMost(timeout)
            .pollInterval(Duration.ofMillis(50))
            .until(() -> since(0).contains(SHELL_BANNER));
      }
      while (true) {
        int n = commands.incrementAndGet();
        // the markers are joined by the shell: the console's echo of the typed line never matches
        String begin = "@@b" + n + "@@\n";
        String end = "@@e" + n + "@@";
        long from = Files.exists(log) ? Files.size(log) : 0;
        type("echo @@b\"\"" + n + "@@;{ " + command + "; } 2>&1;echo @@e\"\"" + n + "@@\n");
        try {
          Awaitility.await("'" + command + "' started in the guest's shell")
              .atMost(ECHO)
              .pollInterval(Duration.ofMillis(50))
              .until(() -> since(from).contains(begin));
        } catch (org.awaitility.core.ConditionTimeoutException lost) {
          if (System.nanoTime() > deadline) {
            String text = since(0);
            throw new AssertionError(
                "the guest's shell did not start `"
                    + command
                    + "`; the console's end:\n"
                    + text.substring(Math.max(0, text.length() - 1500)),
                lost);
          }
          type("\u0003");
          continue;
        }
        String[] output = new String[1];
        Awaitility.await("'" + command + "' in the guest's shell")
            .atMost(timeout)
            .pollInterval(Duration.ofMillis(100))
            .until(
                () -> {
                  String text = since(from);
                  int start = text.indexOf(begin);
                  int stop = text.indexOf(end, start);
                  if (stop < 0) {
                    return false;
                  }
                  output[0] = text.substring(start + begin.length(), stop).strip();
                  return true;
                });
        return output[0];
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** What {@code command} printed last, as a number (e.g. {@code cat /sys/block/vda/size}). */
  public long number(String command, Duration timeout) {
    String out = run(command, timeout);
    try {
      return Long.parseLong(out.lines().reduce((a, b) -> b).orElse("").strip());
    } catch (NumberFormatException e) {
      throw new AssertionError("`" + command + "` printed no number: " + out, e);
    }
  }

  private String since(long from) throws IOException {
    byte[] all = Files.readAllBytes(log);
    int start = (int) Math.min(from, all.length);
    return new String(all, start, all.length - start, StandardCharsets.UTF_8).replace("\r", "");
  }

  @Override
  public void close() {
    try {
      console.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
