package io.qemuoperator.sidecar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The token file is watched: a Secret the kubelet rotates (a new folder, the {@code ..data} link
 * swapped to it) is taken up within a check interval, and the replaced token lapses after its
 * grace.
 */
class BearerTokenTest {
  private static final String OLD = "old-token-0123456789abcdef";
  private static final String NEW = "new-token-fedcba9876543210";

  @TempDir Path volume;
  private final TestingClock clock = new TestingClock();

  /** The layout the kubelet's atomic writer makes of a Secret volume with one key, token. */
  private Path mountSecret(String token) throws IOException {
    Path data = Files.createDirectory(volume.resolve("..2026_11_28_12_00_00.000000001"));
    Files.writeString(data.resolve("token"), token);
    Files.createSymbolicLink(volume.resolve("..data"), data.getFileName());
    return Files.createSymbolicLink(volume.resolve("token"), Path.of("..data/token"));
  }

  /**
   * As the kubelet updates it: a new timestamped folder, ..data swapped by a rename, old removed.
   */
  private void rotateSecret(String token, String stamp) throws IOException {
    Path old = volume.resolve("..data").toRealPath();
    Path data = Files.createDirectory(volume.resolve("..2026_11_28_12_00_00." + stamp));
    Files.writeString(data.resolve("token"), token);
    Path link = Files.createSymbolicLink(volume.resolve("..data_tmp"), data.getFileName());
    Files.move(link, volume.resolve("..data"), StandardCopyOption.ATOMIC_MOVE);
    Files.delete(old.resolve("token"));
    Files.delete(old);
  }

  private static String bearer(String token) {
    return "Bearer " + token;
  }

  @Test
  void aRotatedSecretIsTakenUpAndTheOldTokenLapsesAfterTheGrace() throws IOException {
    var token = BearerToken.fromFile(mountSecret(OLD), clock);
    assertThat(token.accepts(bearer(OLD))).isTrue();
    assertThat(token.accepts(bearer(NEW))).isFalse();

    rotateSecret(NEW, "000000002");
    clock.advance(BearerToken.CHECK_INTERVAL);
    assertThat(token.accepts(bearer(NEW))).as("taken up at the next check").isTrue();
    assertThat(token.accepts(bearer(OLD))).as("the replaced token, within its grace").isTrue();

    clock.advance(BearerToken.ROTATION_GRACE.minusMillis(1));
    assertThat(token.accepts(bearer(OLD))).as("still within the grace").isTrue();
    clock.advance(Duration.ofMillis(1));
    assertThat(token.accepts(bearer(OLD))).as("the grace is over").isFalse();
    assertThat(token.accepts(bearer(NEW))).isTrue();
    assertThat(token.accepts(bearer("wrong-token-0123456789"))).isFalse();
    assertThat(token.accepts(null)).isFalse();
  }

  @Test
  void twoRotationsInARowLeaveOnlyTheLastTwoTokens() throws IOException {
    var token = BearerToken.fromFile(mountSecret(OLD), clock);
    rotateSecret(NEW, "000000002");
    clock.advance(BearerToken.CHECK_INTERVAL);
    assertThat(token.accepts(bearer(NEW))).isTrue();
    String third = "third-token-0123456789abcdef";
    rotateSecret(third, "000000003");
    clock.advance(BearerToken.CHECK_INTERVAL);

    assertThat(token.accepts(bearer(third))).isTrue();
    assertThat(token.accepts(bearer(NEW))).isTrue();
    assertThat(token.accepts(bearer(OLD))).as("two rotations ago").isFalse();
  }

  @Test
  void aFileRewrittenInPlaceIsTakenUpToo() throws IOException {
    Path file = Files.writeString(volume.resolve("token"), OLD);
    var token = BearerToken.fromFile(file, clock);
    Files.writeString(file, NEW + "\n");
    clock.advance(BearerToken.CHECK_INTERVAL);

    assertThat(token.accepts(bearer(NEW))).isTrue();
    assertThat(token.accepts(bearer(OLD))).isTrue();
  }

  @Test
  void anUnreadableOrTooShortTokenLeavesTheCurrentOneInForce() throws IOException {
    var token = BearerToken.fromFile(mountSecret(OLD), clock);
    rotateSecret("short", "000000002");
    clock.advance(BearerToken.CHECK_INTERVAL);
    assertThat(token.accepts(bearer(OLD))).isTrue();
    assertThat(token.accepts(bearer("short"))).isFalse();

    Files.delete(volume.resolve("..data"));
    clock.advance(BearerToken.CHECK_INTERVAL);
    assertThat(token.accepts(bearer(OLD))).as("the file is gone").isTrue();

    Files.createSymbolicLink(volume.resolve("..data"), Path.of("..2026_11_28_12_00_00.000000002"));
    Files.writeString(volume.resolve("..data/token"), NEW);
    clock.advance(BearerToken.CHECK_INTERVAL);
    assertThat(token.accepts(bearer(NEW))).as("the file is back, fixed").isTrue();
  }

  @Test
  void aTooShortTokenIsRefusedAtStart() throws IOException {
    Path file = Files.writeString(volume.resolve("token"), "short\n");
    assertThatThrownBy(() -> BearerToken.fromFile(file, clock))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least 16");
  }
}
