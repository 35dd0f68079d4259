package io.qemuoperator.sidecar.importer;

import io.qemuoperator.sidecar.api.ImageImportFiles;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;

/**
 * One disk's import into its folder (the disk's claim), restartable: a disk whose image exists, or
 * whose verified source is already there, is left alone; otherwise the image is streamed into
 * {@link ImageImportFiles#PART} with its SHA-256 computed on the way, checked (checksum, format,
 * size) and renamed to {@link ImageImportFiles#source}. Nothing half-written or unverified is ever
 * kept under a name the qemu container reads.
 *
 * @param disk the disk's name (for messages)
 * @param dir the disk's folder
 * @param url {@code http}, {@code https} or {@code file}
 * @param sha256 the expected SHA-256 (lower-case hex), when the spec gives one
 * @param sizeBytes the disk's size: an image whose virtual size exceeds it is refused
 */
public record ImageImport(String disk, Path dir, URI url, Optional<String> sha256, long sizeBytes) {

  /** The disk's image, which the qemu container makes from the source. */
  public static final String DISK_IMAGE = "disk.qcow2";

  private static final int BUFFER = 1 << 20;

  /**
   * Told how far a download is: bytes so far, and the total when known (else -1); then that the
   * fetched image is being checked.
   */
  @FunctionalInterface
  public interface Progress {
    void at(long bytes, long total);

    default void verifying() {}
  }

  /** What an import did, for the log and the container's termination message. */
  public record Outcome(boolean imported, String message) {}

  public Outcome run(HttpClient http, Progress progress) throws IOException, InterruptedException {
    if (Files.exists(dir.resolve(DISK_IMAGE))) {
      return new Outcome(false, "disk " + disk + ": its image exists; nothing imported");
    }
    for (String format : ImageImportFiles.FORMATS) {
      if (Files.exists(dir.resolve(ImageImportFiles.source(format)))) {
        return new Outcome(
            false, "disk " + disk + ": a verified " + format + " source is already there");
      }
    }
    Path part = dir.resolve(ImageImportFiles.PART);
    Files.deleteIfExists(part);
    long started = System.nanoTime();
    try {
      String digest;
      long bytes;
      try (InputStream in = open(http);
          FileChannel out =
              FileChannel.open(part, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        long total = in instanceof Sized sized ? sized.total() : -1;
        MessageDigest sha = newSha256();
        byte[] buffer = new byte[BUFFER];
        bytes = 0;
        for (int n; (n = in.read(buffer)) >= 0; ) {
          sha.update(buffer, 0, n);
          ByteBuffer chunk = ByteBuffer.wrap(buffer, 0, n);
          while (chunk.hasRemaining()) {
            out.write(chunk);
          }
          bytes += n;
          progress.at(bytes, total);
        }
        out.force(true);
        digest = HexFormat.of().formatHex(sha.digest());
      }
      progress.verifying();
      if (sha256.isPresent() && !sha256.get().equals(digest)) {
        throw new ImportException(
            "sha256 mismatch for "
                + shown()
                + ": expected "
                + sha256.get()
                + ", got "
                + digest
                + " ("
                + bytes
                + " bytes)");
      }
      ImageFormat image = ImageFormat.of(part);
      if (image.virtualSize() > sizeBytes) {
        throw new ImportException(
            "the image at "
                + shown()
                + " is larger than disk "
                + disk
                + ": its virtual size is "
                + image.virtualSize()
                + " bytes, the disk's size "
                + sizeBytes
                + " bytes (disks are never shrunk: give the disk a size of at least "
                + image.virtualSize()
                + ")");
      }
      Files.move(
          part,
          dir.resolve(ImageImportFiles.source(image.format())),
          StandardCopyOption.ATOMIC_MOVE);
      return new Outcome(
          true,
          "disk %s: imported %s (%d bytes, %s, virtual size %d, sha256 %s) in %.1f s"
              .formatted(
                  disk,
                  shown(),
                  bytes,
                  image.format(),
                  image.virtualSize(),
                  digest,
                  (System.nanoTime() - started) / 1e9));
    } finally {
      Files.deleteIfExists(part);
    }
  }

  /** The URL as messages show it: without user information (a password, say). */
  public String shown() {
    if (url.getRawUserInfo() == null) {
      return url.toString();
    }
    try {
      return new URI(
              url.getScheme(),
              null,
              url.getHost(),
              url.getPort(),
              url.getPath(),
              url.getQuery(),
              url.getFragment())
          .toString();
    } catch (URISyntaxException e) {
      return url.getScheme() + "://" + url.getHost();
    }
  }

  private InputStream open(HttpClient http) throws IOException, InterruptedException {
    String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase();
    switch (scheme) {
      case "file" -> {
        Path path;
        try {
          path = Path.of(url);
        } catch (IllegalArgumentException e) {
          throw new ImportException("not a file URL of this node: " + shown(), e);
        }
        try {
          return new Sized(Files.newInputStream(path), Files.size(path));
        } catch (NoSuchFileException e) {
          throw new ImportException("no file " + path + " on the node (" + shown() + ")", e);
        }
      }
      case "http", "https" -> {
        HttpResponse<InputStream> response;
        try {
          response =
              http.send(
                  HttpRequest.newBuilder(url).timeout(Duration.ofMinutes(1)).GET().build(),
                  HttpResponse.BodyHandlers.ofInputStream());
        } catch (HttpConnectTimeoutException | ConnectException e) {
          throw new ImportException("cannot connect to " + shown() + ": " + describe(e), e);
        } catch (IOException e) {
          throw new ImportException("cannot fetch " + shown() + ": " + describe(e), e);
        }
        if (response.statusCode() != 200) {
          response.body().close();
          throw new ImportException("HTTP " + response.statusCode() + " from " + shown());
        }
        long total = response.headers().firstValueAsLong("Content-Length").orElse(-1);
        return new Sized(response.body(), total);
      }
      default -> throw new ImportException("not an http, https or file URL: " + shown());
    }
  }

  private static String describe(IOException e) {
    String message = e.getMessage();
    return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
  }

  private static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /** A stream with its total length, when the source says it. */
  private static final class Sized extends java.io.FilterInputStream {
    private final long total;

    Sized(InputStream in, long total) {
      super(in);
      this.total = total;
    }

    long total() {
      return total;
    }
  }
}
