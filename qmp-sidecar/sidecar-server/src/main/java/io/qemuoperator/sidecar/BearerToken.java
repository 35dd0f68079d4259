package io.qemuoperator.sidecar;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;

/** The per-VM bearer token every {@code /v1} call must present; compared in constant time. */
public final class BearerToken {
  private static final String PREFIX = "Bearer ";
  private final byte[] expected;

  private BearerToken(byte[] expected) {
    this.expected = expected;
  }

  /**
   * Reads the token from a file (as mounted from a Kubernetes Secret); surrounding whitespace is
   * ignored.
   */
  public static BearerToken fromFile(Path file) throws IOException {
    String token = Files.readString(file, StandardCharsets.UTF_8).strip();
    if (token.length() < 16) {
      throw new IllegalArgumentException(
          "token file "
              + file
              + " holds "
              + token.length()
              + " characters; at least 16 are needed");
    }
    return new BearerToken(token.getBytes(StandardCharsets.UTF_8));
  }

  /** True when the {@code Authorization} header carries exactly this token. */
  public boolean accepts(String authorizationHeader) {
    if (authorizationHeader == null || !authorizationHeader.regionMatches(true, 0, PREFIX, 0, 7)) {
      return false;
    }
    byte[] presented =
        authorizationHeader.substring(PREFIX.length()).strip().getBytes(StandardCharsets.UTF_8);
    return MessageDigest.isEqual(expected, presented);
  }
}
