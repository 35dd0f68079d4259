package io.qemuoperator.bench;

import io.qemuoperator.local.GracefulStop;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * One sidecar process started with {@code qmp-sidecar/bin/qmp-sidecar} and its default footprint
 * flags. The launcher execs java, so the spawned pid is the JVM's. The pid is written to a file so
 * the calling script can end the process if the benchmark itself dies. QMP_SIDECAR_EXTRA_JAVA_OPTS
 * passes through, so a profiler can be added without changing the default flags.
 */
final class SidecarProcess implements AutoCloseable {
  private static final Duration POLL_INTERVAL = Duration.ofMillis(5);

  private final Process process;
  private final long spawnedAtNanos;
  private final URI base;
  private final Path pidFile;

  private SidecarProcess(Process process, long spawnedAtNanos, URI base, Path pidFile) {
    this.process = process;
    this.spawnedAtNanos = spawnedAtNanos;
    this.base = base;
    this.pidFile = pidFile;
  }

  /**
   * Starts the sidecar on a free loopback port. {@code cacheHome} becomes XDG_CACHE_HOME, where the
   * launcher keeps the class-data archive.
   */
  static SidecarProcess spawn(
      Path launcher, Path qmpSocket, Path tokenFile, Path cacheHome, Path log, Path pidFile)
      throws IOException {
    int port = freePort();
    ProcessBuilder builder =
        new ProcessBuilder(
                List.of(
                    launcher.toString(),
                    "--qmp",
                    qmpSocket.toString(),
                    "--listen",
                    "127.0.0.1:" + port,
                    "--token-file",
                    tokenFile.toString()))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    builder.environment().put("XDG_CACHE_HOME", cacheHome.toString());
    builder.environment().remove("QMP_SIDECAR_JAVA_OPTS");
    long spawnedAt = System.nanoTime();
    Process process = builder.start();
    Files.writeString(pidFile, process.pid() + "\n");
    return new SidecarProcess(process, spawnedAt, URI.create("http://127.0.0.1:" + port), pidFile);
  }

  long pid() {
    return process.pid();
  }

  URI base() {
    return base;
  }

  /**
   * Polls {@code GET /readyz} every 5 ms until it answers 200; the time from spawn to that answer.
   */
  Duration awaitReady(HttpClient http, Duration timeout) throws IOException, InterruptedException {
    HttpRequest readyz =
        HttpRequest.newBuilder(base.resolve("/readyz"))
            .timeout(Duration.ofSeconds(1))
            .GET()
            .build();
    long deadline = spawnedAtNanos + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException("sidecar exited with " + process.exitValue() + " before ready");
      }
      try {
        if (http.send(readyz, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return Duration.ofNanos(System.nanoTime() - spawnedAtNanos);
        }
      } catch (IOException notListeningYet) {
        // connection refused until the HTTP server is bound
      }
      Thread.sleep(POLL_INTERVAL);
    }
    throw new IOException("sidecar not ready within " + timeout);
  }

  /** SIGTERM, then SIGKILL after 10 s; waits until the process is gone. */
  @Override
  public void close() throws IOException {
    GracefulStop.stop(process, Duration.ofSeconds(10));
    Files.deleteIfExists(pidFile);
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress("127.0.0.1", 0));
      return socket.getLocalPort();
    }
  }
}
