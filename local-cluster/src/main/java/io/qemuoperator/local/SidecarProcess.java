package io.qemuoperator.local;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A VM pod's sidecar container as a child process of this JVM ({@link SidecarLauncher}), its output
 * appended to a log file.
 *
 * <p>Ready once it answers on its address for this pod: {@code GET /v1/dialect} with the pod's
 * bearer token gets any answer but 401 (503 while QEMU's QMP is not probed yet is fine: the HTTP
 * API serves). An unauthenticated probe such as {@code /healthz} could not tell this pod's sidecar
 * from another one that already listens on the same loopback address (another test's node agent on
 * this machine); a 401 can: that address is taken.
 *
 * <p>Stopped with SIGTERM (the launcher execs java, whose shutdown hook closes the sidecar), then
 * SIGKILL after {@link #STOP_GRACE}.
 */
final class SidecarProcess {
  static final Duration STOP_GRACE = Duration.ofSeconds(5);
  private static final Duration POLL = Duration.ofMillis(20);
  private static final int LOG_TAIL_LINES = 20;

  /** The sidecar could not have its address: another process listens there. */
  static final class AddressTakenException extends IOException {
    private static final long serialVersionUID = 1L;

    AddressTakenException(InetSocketAddress address) {
      super(address + " is taken by another process");
    }
  }

  private final Process process;
  private final InetSocketAddress address;
  private final Path log;

  /** Where this process's output begins in the log (earlier starts of the pod's sidecar before). */
  private final long logStart;

  private SidecarProcess(Process process, InetSocketAddress address, Path log, long logStart) {
    this.process = process;
    this.address = address;
    this.log = log;
    this.logStart = logStart;
  }

  /**
   * Starts the sidecar with {@code args} (which make it listen on {@code address}) and the
   * container's {@code env}; an {@link AddressTakenException} without starting anything when
   * another process listens on {@code address} already.
   */
  static SidecarProcess start(
      SidecarLauncher launcher,
      List<String> args,
      Map<String, String> env,
      InetSocketAddress address,
      Path log)
      throws IOException {
    if (!free(address)) {
      throw new AddressTakenException(address);
    }
    long logStart = Files.exists(log) ? Files.size(log) : 0;
    Process process = launcher.command(args, env, log).start();
    return new SidecarProcess(process, address, log, logStart);
  }

  /** True when nothing listens on {@code address} (a bind there succeeds). */
  static boolean free(InetSocketAddress address) {
    try (var socket = new ServerSocket()) {
      socket.bind(address);
      return true;
    } catch (IOException taken) {
      return false;
    }
  }

  InetSocketAddress address() {
    return address;
  }

  ProcessHandle handle() {
    return process.toHandle();
  }

  /** The exit code, once the process has ended. */
  int exitCode() {
    return process.exitValue();
  }

  /**
   * Waits until the sidecar answers requests with {@code token} (see the class comment). Stops it
   * and throws when it answers 401 ({@link AddressTakenException}), exits first, or does not answer
   * within {@code timeout}; the message then ends with the tail of its log.
   */
  void awaitReady(HttpClient http, String token, Duration timeout)
      throws IOException, InterruptedException {
    HttpRequest probe =
        HttpRequest.newBuilder(
                URI.create(
                    "http://" + address.getHostString() + ":" + address.getPort() + "/v1/dialect"))
            .header("Authorization", "Bearer " + token)
            .timeout(Duration.ofSeconds(2))
            .GET()
            .build();
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      while (System.nanoTime() < deadline) {
        if (!process.isAlive()) {
          if (ownLog().contains("Address already in use")) {
            throw new AddressTakenException(address); // taken between the check and its bind
          }
          throw new IOException(
              "the sidecar exited with code "
                  + process.exitValue()
                  + " before it answered on "
                  + address
                  + logTail());
        }
        try {
          int status = http.send(probe, HttpResponse.BodyHandlers.discarding()).statusCode();
          if (status == 401) {
            throw new AddressTakenException(address);
          }
          return;
        } catch (java.net.ConnectException notListeningYet) {
          // refused until the sidecar's HTTP server is bound
        } catch (java.net.http.HttpTimeoutException slow) {
          // a machine under load: ask again while the deadline allows
        }
        TimeUnit.NANOSECONDS.sleep(POLL.toNanos());
      }
      throw new IOException(
          "the sidecar did not answer on " + address + " within " + timeout + logTail());
    } catch (IOException | InterruptedException | RuntimeException e) {
      stop();
      throw e;
    }
  }

  /** SIGTERM, then SIGKILL after {@link #STOP_GRACE}; returns once the process is gone. */
  void stop() {
    GracefulStop.stop(process, STOP_GRACE);
  }

  /** The last lines this process wrote, as the end of an error message. */
  private String logTail() {
    List<String> lines = ownLog().lines().toList();
    return "; the end of its log "
        + log
        + ":\n"
        + String.join(
            "\n", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
  }

  /** What this process wrote to the log, its last 16 KiB at most. */
  private String ownLog() {
    try (var file = new RandomAccessFile(log.toFile(), "r")) {
      long from = Math.max(logStart, file.length() - 16384);
      byte[] bytes = new byte[(int) Math.max(0, file.length() - from)];
      file.seek(from);
      file.readFully(bytes);
      return new String(bytes, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(the log cannot be read: " + e.getMessage() + ")";
    }
  }
}
