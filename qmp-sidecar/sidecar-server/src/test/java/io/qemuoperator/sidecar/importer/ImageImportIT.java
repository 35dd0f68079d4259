package io.qemuoperator.sidecar.importer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.qemuoperator.sidecar.api.ImageImportFiles;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The disk importer on real files: images made by the real {@code qemu-img}, served from file://
 * and from an HTTP server in the test; each failure leaves nothing behind.
 */
class ImageImportIT {
  private static final long MIB = 1L << 20;

  @TempDir Path images;
  @TempDir Path disk;

  private HttpServer server;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void serveImages() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/",
        exchange -> {
          Path file = images.resolve(exchange.getRequestURI().getPath().substring(1));
          if (!Files.isRegularFile(file)) {
            exchange.sendResponseHeaders(404, -1);
            exchange.close();
            return;
          }
          exchange.sendResponseHeaders(200, Files.size(file));
          try (var out = exchange.getResponseBody()) {
            Files.copy(file, out);
          }
        });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
    http.close();
  }

  @Test
  void aQcow2ImageOverHttpWithItsChecksumBecomesTheVerifiedSource() throws Exception {
    Path image = qcow2("small.qcow2", "4M");
    var outcome =
        importer(http("small.qcow2"), Optional.of(sha256(image)), 8 * MIB).run(http, (b, t) -> {});

    assertThat(outcome.imported()).isTrue();
    assertThat(outcome.message()).contains("qcow2", "virtual size " + 4 * MIB);
    assertThat(disk.resolve("source.qcow2")).hasSameBinaryContentAs(image);
    assertThat(disk.resolve(ImageImportFiles.PART)).doesNotExist();
  }

  @Test
  void aRawImageFromAFileUrlIsDetectedAsRaw() throws Exception {
    Path image = raw("data.img", 3 * MIB);
    var outcome = importer(image.toUri(), Optional.empty(), 3 * MIB).run(http, (b, t) -> {});

    assertThat(outcome.message()).contains("raw", "virtual size " + 3 * MIB);
    assertThat(disk.resolve("source.raw")).hasSameBinaryContentAs(image);
  }

  @Test
  void progressIsToldWithTheTotal() throws Exception {
    raw("data.img", 3 * MIB);
    var seen = new java.util.ArrayList<long[]>();
    importer(http("data.img"), Optional.empty(), 4 * MIB)
        .run(http, (bytes, total) -> seen.add(new long[] {bytes, total}));

    assertThat(seen).isNotEmpty();
    assertThat(seen.getLast()).containsExactly(3 * MIB, 3 * MIB);
  }

  @Test
  void aChecksumMismatchSaysBothAndKeepsNothing() throws Exception {
    Path image = raw("data.img", MIB);
    String wrong = "0".repeat(64);

    assertThatThrownBy(
            () -> importer(http("data.img"), Optional.of(wrong), MIB).run(http, (b, t) -> {}))
        .isInstanceOf(ImportException.class)
        .hasMessageContaining("sha256 mismatch")
        .hasMessageContaining("expected " + wrong)
        .hasMessageContaining("got " + sha256(image));
    assertThat(disk).isEmptyDirectory();
  }

  @Test
  void http404IsReported() {
    assertThatThrownBy(
            () -> importer(http("missing.qcow2"), Optional.empty(), MIB).run(http, (b, t) -> {}))
        .isInstanceOf(ImportException.class)
        .hasMessage("HTTP 404 from " + http("missing.qcow2"));
    assertThat(disk).isEmptyDirectory();
  }

  @Test
  void anUnreachableServerAndAMissingFileAreReported() throws Exception {
    int closed;
    try (var socket = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = socket.getLocalPort();
    }
    assertThatThrownBy(
            () ->
                importer(URI.create("http://127.0.0.1:" + closed + "/x"), Optional.empty(), MIB)
                    .run(http, (b, t) -> {}))
        .isInstanceOf(ImportException.class)
        .hasMessageStartingWith("cannot connect to http://127.0.0.1:" + closed + "/x");
    assertThatThrownBy(
            () ->
                importer(images.resolve("nope.img").toUri(), Optional.empty(), MIB)
                    .run(http, (b, t) -> {}))
        .isInstanceOf(ImportException.class)
        .hasMessageContaining("no file " + images.resolve("nope.img"));
    assertThat(disk).isEmptyDirectory();
  }

  @Test
  void anImageLargerThanTheDiskIsRefusedNeverShrunk() throws Exception {
    qcow2("big.qcow2", "64M");

    assertThatThrownBy(
            () -> importer(http("big.qcow2"), Optional.empty(), 32 * MIB).run(http, (b, t) -> {}))
        .isInstanceOf(ImportException.class)
        .hasMessageContaining("larger than disk root")
        .hasMessageContaining("virtual size is " + 64 * MIB);
    assertThat(disk).isEmptyDirectory();
  }

  @Test
  void aQcow2WithABackingFileIsRefused() throws Exception {
    Path base = qcow2("base.qcow2", "4M");
    run(
        "qemu-img",
        "create",
        "-q",
        "-f",
        "qcow2",
        "-F",
        "qcow2",
        "-b",
        base.toString(),
        images.resolve("overlay.qcow2").toString());

    assertThatThrownBy(
            () ->
                importer(http("overlay.qcow2"), Optional.empty(), 8 * MIB).run(http, (b, t) -> {}))
        .isInstanceOf(ImportException.class)
        .hasMessageContaining("backing file");
    assertThat(disk).isEmptyDirectory();
  }

  @Test
  void aDiskThatExistsIsNeverImportedOverAndAStalePartIsRemoved() throws Exception {
    raw("data.img", MIB);
    Files.writeString(disk.resolve(ImageImport.DISK_IMAGE), "the VM's data");
    var kept = importer(http("data.img"), Optional.empty(), MIB).run(http, (b, t) -> {});
    assertThat(kept.imported()).isFalse();
    assertThat(disk.resolve(ImageImport.DISK_IMAGE)).hasContent("the VM's data");
    assertThat(disk.resolve("source.raw")).doesNotExist();

    Files.delete(disk.resolve(ImageImport.DISK_IMAGE));
    Files.writeString(disk.resolve(ImageImportFiles.PART), "half of an earlier attempt");
    var imported = importer(http("data.img"), Optional.empty(), MIB).run(http, (b, t) -> {});
    assertThat(imported.imported()).isTrue();
    assertThat(disk.resolve(ImageImportFiles.PART)).doesNotExist();
    assertThat(disk.resolve("source.raw")).hasSize(MIB);
  }

  @Test
  void theEntryPointWritesTheFailureToTheTerminationLog() throws Exception {
    Path log = images.resolve("termination-log");
    var arguments =
        ImportMain.parse(
            new String[] {
              "--termination-log", log.toString(),
              "--disk", "root",
              "--dir", disk.toString(),
              "--url", http("missing.qcow2").toString(),
              "--size", Long.toString(MIB)
            });
    assertThat(ImportMain.run(arguments)).isEqualTo(1);
    assertThat(log).hasContent("HTTP 404 from " + http("missing.qcow2"));
  }

  private ImageImport importer(URI url, Optional<String> sha256, long size) {
    return new ImageImport("root", disk, url, sha256, size);
  }

  private URI http(String file) {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/" + file);
  }

  private Path qcow2(String name, String size) throws Exception {
    Path image = images.resolve(name);
    run("qemu-img", "create", "-q", "-f", "qcow2", image.toString(), size);
    return image;
  }

  private Path raw(String name, long size) throws IOException {
    byte[] bytes = new byte[(int) size];
    new Random(42).nextBytes(bytes);
    return Files.write(images.resolve(name), bytes);
  }

  private static String sha256(Path file) throws Exception {
    return HexFormat.of()
        .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
  }

  private static void run(String... command) throws Exception {
    Process p = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as(String.join(" ", command) + ": " + out).isZero();
  }
}
