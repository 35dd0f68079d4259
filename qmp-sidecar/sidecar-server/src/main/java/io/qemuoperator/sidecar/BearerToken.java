package io.qemuoperator.sidecar;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The per-VM bearer token every {@code /v1} call must present, read from a file (a mounted
 * Kubernetes Secret) and compared in constant time.
 *
 * <p>The file is watched: at most once per {@link #CHECK_INTERVAL}, on a call that needs the token,
 * the file's attributes (followed through symlinks: the kubelet replaces a Secret's files by
 * swapping its {@code ..data} link to a new folder, so the target's inode changes) are compared
 * with those of the last read; when they differ the token is read again. After a change the
 * previous token stays valid for {@link #ROTATION_GRACE}, so a caller that read the Secret just
 * before the rotation is not refused meanwhile. A file that cannot be read, or holds too short a
 * token, leaves the current token in force (and is tried again at the next check).
 */
public final class BearerToken {
  /** How often, at most, the token file is looked at. */
  public static final Duration CHECK_INTERVAL = Duration.ofSeconds(1);

  /** How long the token a rotation replaced is still accepted. */
  public static final Duration ROTATION_GRACE = Duration.ofSeconds(30);

  private static final Logger log = LoggerFactory.getLogger(BearerToken.class);
  private static final String PREFIX = "Bearer ";
  private static final int MIN_CHARS = 16;

  /** What is accepted now; replaced whole on a change. */
  private record Accepted(
      byte[] current, byte[] previous, Instant previousUntil, FileVersion version) {}

  /** What tells one content of the file from another without reading it. */
  private record FileVersion(Object key, FileTime modified, long size) {}

  private final Path file;
  private final Clock clock;
  private final ReentrantLock checking = new ReentrantLock();
  private volatile Accepted accepted;
  private volatile Instant nextCheck;

  private BearerToken(Path file, Clock clock, Accepted accepted) {
    this.file = file;
    this.clock = clock;
    this.accepted = accepted;
    this.nextCheck = clock.instant().plus(CHECK_INTERVAL);
  }

  /**
   * Reads the token from a file (as mounted from a Kubernetes Secret); surrounding whitespace is
   * ignored.
   *
   * @throws IllegalArgumentException when the file holds fewer than 16 characters
   */
  public static BearerToken fromFile(Path file) throws IOException {
    return fromFile(file, Clock.systemUTC());
  }

  static BearerToken fromFile(Path file, Clock clock) throws IOException {
    FileVersion version = version(file);
    byte[] token = read(file);
    return new BearerToken(file, clock, new Accepted(token, null, Instant.MIN, version));
  }

  /**
   * True when the {@code Authorization} header carries the token (or, briefly, the replaced one).
   */
  public boolean accepts(String authorizationHeader) {
    checkFile();
    if (authorizationHeader == null || !authorizationHeader.regionMatches(true, 0, PREFIX, 0, 7)) {
      return false;
    }
    byte[] presented =
        authorizationHeader.substring(PREFIX.length()).strip().getBytes(StandardCharsets.UTF_8);
    Accepted now = accepted;
    boolean current = MessageDigest.isEqual(now.current(), presented);
    boolean previous =
        now.previous() != null
            && MessageDigest.isEqual(now.previous(), presented)
            && clock.instant().isBefore(now.previousUntil());
    return current | previous; // both compared, whichever matches
  }

  private void checkFile() {
    Instant now = clock.instant();
    if (now.isBefore(nextCheck) || !checking.tryLock()) {
      return;
    }
    try {
      nextCheck = now.plus(CHECK_INTERVAL);
      Accepted was = accepted;
      FileVersion version = version(file);
      if (version.equals(was.version())) {
        return;
      }
      byte[] token = read(file);
      if (MessageDigest.isEqual(token, was.current())) {
        accepted = new Accepted(was.current(), was.previous(), was.previousUntil(), version);
        return;
      }
      accepted = new Accepted(token, was.current(), now.plus(ROTATION_GRACE), version);
      log.info(
          "the token in {} changed; the previous one is accepted until {}",
          file,
          now.plus(ROTATION_GRACE));
    } catch (IOException | IllegalArgumentException e) {
      log.warn(
          "cannot read the token file {} again; the current token stays: {}", file, e.toString());
    } finally {
      checking.unlock();
    }
  }

  private static FileVersion version(Path file) throws IOException {
    var attributes = Files.readAttributes(file, BasicFileAttributes.class);
    return new FileVersion(
        Objects.requireNonNullElse(attributes.fileKey(), file.toRealPath().toString()),
        attributes.lastModifiedTime(),
        attributes.size());
  }

  private static byte[] read(Path file) throws IOException {
    String token = Files.readString(file, StandardCharsets.UTF_8).strip();
    if (token.length() < MIN_CHARS) {
      throw new IllegalArgumentException(
          "token file "
              + file
              + " holds "
              + token.length()
              + " characters; at least "
              + MIN_CHARS
              + " are needed");
    }
    return token.getBytes(StandardCharsets.UTF_8);
  }
}
