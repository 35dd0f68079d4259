package io.qemuoperator.bench;

import io.qemuoperator.bench.http.HttpFront;
import io.qemuoperator.bench.http.HttpFrontMain;
import io.qemuoperator.local.GracefulStop;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One {@link HttpFrontMain} process with the sidecar launcher's JVM flags ({@code
 * qmp-sidecar/bin/qmp-sidecar}: 32 MiB heap, SerialGC, C1 only, a class-data archive of its own per
 * server), on a free loopback port. Its pid goes to a file so the calling script can end it if the
 * benchmark dies.
 */
final class FrontProcess implements AutoCloseable {
  private static final Duration POLL = Duration.ofMillis(5);
  private final Process process;
  private final long spawnedAtNanos;
  private final InetSocketAddress address;
  private final Path pidFile;

  private FrontProcess(Process process, long spawnedAt, InetSocketAddress address, Path pidFile) {
    this.process = process;
    this.spawnedAtNanos = spawnedAt;
    this.address = address;
    this.pidFile = pidFile;
  }

  static FrontProcess spawn(
      HttpFront.Server server, Path qmpSocket, Path tokenFile, int maxBodyBytes, Path work)
      throws IOException {
    int port = freePort();
    Path archive = work.resolve("cds-" + server.label() + ".jsa");
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(
        List.of(
            "-Xmx32m",
            "-Xss256k",
            "-XX:MaxMetaspaceSize=64m",
            "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1",
            "-XX:+AutoCreateSharedArchive",
            "-XX:SharedArchiveFile=" + archive,
            "-XX:+VerifySharedSpaces",
            "-Xlog:cds=off",
            "-Xlog:cds+dynamic=off",
            "-cp",
            System.getProperty("java.class.path"),
            HttpFrontMain.class.getName(),
            "--server",
            server.label(),
            "--qmp",
            qmpSocket.toString(),
            "--listen",
            "127.0.0.1:" + port,
            "--token-file",
            tokenFile.toString(),
            "--max-body-bytes",
            Integer.toString(maxBodyBytes)));
    Path log = work.resolve("front-" + server.label() + ".log");
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    long spawnedAt = System.nanoTime();
    Process process = builder.start();
    Path pidFile = work.resolve("front.pid");
    Files.writeString(pidFile, process.pid() + "\n");
    return new FrontProcess(process, spawnedAt, new InetSocketAddress("127.0.0.1", port), pidFile);
  }

  long pid() {
    return process.pid();
  }

  InetSocketAddress address() {
    return address;
  }

  /** Polls {@code GET /healthz} every 5 ms; the time from spawn to its first 200. */
  Duration awaitHealthy(Duration timeout) throws IOException, InterruptedException {
    long deadline = spawnedAtNanos + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException("front exited with " + process.exitValue() + " before healthy");
      }
      if (healthz(address, 1000) == 200) {
        return Duration.ofNanos(System.nanoTime() - spawnedAtNanos);
      }
      Thread.sleep(POLL);
    }
    throw new IOException("front not healthy within " + timeout);
  }

  /**
   * One {@code GET /healthz} on a new connection: its status, or -1 when refused, closed or not
   * answered within {@code timeoutMillis}.
   */
  static int healthz(InetSocketAddress address, int timeoutMillis) {
    try (var socket = new Socket()) {
      socket.connect(address, timeoutMillis);
      socket.setSoTimeout(timeoutMillis);
      OutputStream out = socket.getOutputStream();
      out.write(
          "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      byte[] head = in.readNBytes(12);
      String status = new String(head, StandardCharsets.US_ASCII);
      return status.startsWith("HTTP/1.1 ") ? Integer.parseInt(status.substring(9, 12)) : -1;
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
  }

  /** SIGTERM, then SIGKILL after 10 s; waits until the process is gone. */
  @Override
  public void close() throws IOException {
    GracefulStop.stop(process, Duration.ofSeconds(10));
    Files.deleteIfExists(pidFile);
  }

  private static int freePort() throws IOException {
    try (var socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress("127.0.0.1", 0));
      return socket.getLocalPort();
    }
  }
}
