package io.qemuoperator.testing;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real QEMU (TCG, no guest OS) in its own temp directory, with a QMP socket for the code under
 * test and an independent second QMP monitor ({@link #observerSocket()}) for checking QEMU's real
 * state. {@link #close()} kills QEMU and deletes the directory.
 */
public final class TestingQemu implements AutoCloseable {
  private static final Duration STARTUP = Duration.ofSeconds(20);

  /**
   * What to start: {@code paused} adds {@code -S}; extra arguments are appended; with a {@code
   * guest} ({@link TestGuest}) QEMU boots it with 256 MiB, its serial console logged to {@link
   * #serialLog()} and the guest's port 80 forwarded to {@link #guestHttpPort()}; {@code machine} is
   * the machine type ({@code q35}; pin a versioned one, e.g. {@code pc-q35-7.2}, to migrate).
   */
  public record Options(
      boolean paused, List<String> extraArgs, Optional<TestGuest> guest, String machine) {
    public Options {
      extraArgs = List.copyOf(extraArgs);
    }

    public static Options defaults() {
      return new Options(true, List.of(), Optional.empty(), "q35");
    }

    public Options withPaused(boolean paused) {
      return new Options(paused, extraArgs, guest, machine);
    }

    public Options withExtraArgs(String... args) {
      var all = new ArrayList<>(extraArgs);
      all.addAll(List.of(args));
      return new Options(paused, all, guest, machine);
    }

    public Options withGuest(TestGuest guest) {
      return new Options(paused, extraArgs, Optional.of(guest), machine);
    }

    public Options withMachine(String machine) {
      return new Options(paused, extraArgs, guest, machine);
    }
  }

  private final Options options;
  private final Path dir;
  private final int guestHttpPort;
  private Process process;

  private TestingQemu(Options options, Path dir) {
    this.options = options;
    this.dir = dir;
    this.guestHttpPort = options.guest().isPresent() ? freePort() : 0;
  }

  private static int freePort() {
    try (var socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static TestingQemu start() {
    return start(Options.defaults());
  }

  public static TestingQemu start(Options options) {
    Path dir;
    try {
      dir = Files.createTempDirectory("qemu-test-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    var qemu = new TestingQemu(options, dir);
    try {
      run(List.of("qemu-img", "create", "-q", "-f", "qcow2", qemu.disk().toString(), "64M"));
      try (var media =
          java.nio.channels.FileChannel.open(
              dir.resolve("media1.raw"),
              java.nio.file.StandardOpenOption.CREATE_NEW,
              java.nio.file.StandardOpenOption.WRITE)) {
        media.truncate(0).position(2 * 1024 * 1024 - 1).write(java.nio.ByteBuffer.allocate(1));
      }
      qemu.launch();
      return qemu;
    } catch (IOException | RuntimeException e) {
      qemu.close();
      throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
    }
  }

  private List<String> commandLine() {
    String binary = System.getenv().getOrDefault("QEMU_SYSTEM", "qemu-system-x86_64");
    var args = new ArrayList<String>();
    args.addAll(
        List.of(
            binary,
            "-machine",
            options.machine() + ",accel=tcg",
            "-m",
            options.guest().isPresent() ? "256" : "128",
            "-smp",
            "2",
            "-nodefaults",
            "-display",
            "none"));
    if (options.paused()) {
      args.add("-S");
    }
    args.addAll(
        List.of(
            "-name",
            "testing-vm",
            "-qmp",
            "unix:" + qmpSocket() + ",server=on,wait=off",
            "-chardev",
            "socket,id=mon1,path=" + observerSocket() + ",server=on,wait=off",
            "-mon",
            "chardev=mon1,mode=control",
            "-drive",
            "file=" + disk() + ",if=none,id=drive0,format=qcow2",
            "-device",
            "virtio-blk-pci,drive=drive0,id=disk0",
            "-drive",
            "file="
                + dir.resolve("media1.raw")
                + ",if=none,id=cd0,format=raw,media=cdrom,readonly=on",
            "-device",
            "ide-cd,drive=cd0,id=cddev0,bus=ide.1",
            "-device",
            "virtio-balloon-pci,id=balloon0",
            "-device",
            "virtio-net-pci,netdev=net0,id=nic0,romfile="));
    options
        .guest()
        .ifPresentOrElse(
            guest -> {
              args.addAll(guest.bootArgs());
              args.addAll(
                  List.of(
                      "-chardev",
                      "socket,id=ser0,path="
                          + serialSocket()
                          + ",server=on,wait=off,logfile="
                          + serialLog()
                          + ",logappend=on",
                      "-serial",
                      "chardev:ser0",
                      "-netdev",
                      "user,id=net0,hostfwd=tcp:127.0.0.1:" + guestHttpPort + "-:80"));
            },
            () -> args.addAll(List.of("-netdev", "user,id=net0,restrict=on")));
    args.addAll(options.extraArgs());
    return args;
  }

  private void launch() throws IOException {
    Files.deleteIfExists(qmpSocket());
    Files.deleteIfExists(observerSocket());
    process =
        new ProcessBuilder(commandLine())
            .directory(dir.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
            .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("stdout.log").toFile()))
            .redirectError(ProcessBuilder.Redirect.appendTo(dir.resolve("stderr.log").toFile()))
            .start();
    Process started = process;
    await("QEMU sockets in " + dir)
        .atMost(STARTUP)
        .pollInterval(Duration.ofMillis(10))
        .until(
            () -> {
              if (!started.isAlive()) {
                throw new IllegalStateException(
                    "QEMU exited with " + started.exitValue() + ": " + stderr());
              }
              return Files.exists(qmpSocket()) && Files.exists(observerSocket());
            });
  }

  public Path dir() {
    return dir;
  }

  /** What the guest wrote to its serial console (with a {@link TestGuest}). */
  public Path serialLog() {
    return dir.resolve("serial.log");
  }

  /** The serial console's unix socket, one client at a time (with a {@link TestGuest}). */
  public Path serialSocket() {
    return dir.resolve("serial.sock");
  }

  /** The loopback port that reaches the guest's port 80 (with a {@link TestGuest}). */
  public int guestHttpPort() {
    return guestHttpPort;
  }

  public Path qmpSocket() {
    return dir.resolve("qmp.sock");
  }

  /** A second, independent QMP monitor, to check QEMU's state without the code under test. */
  public Path observerSocket() {
    return dir.resolve("observer.sock");
  }

  public Path disk() {
    return dir.resolve("disk.qcow2");
  }

  public long pid() {
    return process.pid();
  }

  public boolean alive() {
    return process != null && process.isAlive();
  }

  /** SIGKILL, then wait for the process to end. The socket files stay behind, as in production. */
  public void kill() {
    if (process == null) {
      return;
    }
    process.destroyForcibly();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("QEMU " + process.pid() + " did not die on SIGKILL");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Freezes QEMU with SIGSTOP. */
  public void stop() {
    signal("STOP");
  }

  /** Thaws QEMU with SIGCONT. */
  public void cont() {
    signal("CONT");
  }

  /**
   * Kills QEMU if alive and starts it again in the same directory with the same sockets and disk.
   */
  public void restart() {
    kill();
    try {
      launch();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The disk's virtual size in bytes, read by {@code qemu-img info -U}. */
  public long diskVirtualSize() {
    String json = run(List.of("qemu-img", "info", "-U", "--output=json", disk().toString()));
    try {
      return new ObjectMapper().readTree(json).path("virtual-size").asLong();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public String stderr() {
    try {
      Path log = dir.resolve("stderr.log");
      return Files.exists(log) ? Files.readString(log) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Kills QEMU, waits for it and deletes the temp directory. */
  @Override
  public void close() {
    try {
      if (alive()) {
        cont(); // a SIGSTOPped process still dies on SIGKILL, but keep it simple to reason about
      }
    } catch (RuntimeException e) {
      // Still kill below.
    }
    kill();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path path : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + dir, e);
    }
  }

  private void signal(String name) {
    run(List.of("kill", "-" + name, Long.toString(pid())));
  }

  private static String run(List<String> command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException(command + " failed: " + out);
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running " + command, e);
    }
  }
}
