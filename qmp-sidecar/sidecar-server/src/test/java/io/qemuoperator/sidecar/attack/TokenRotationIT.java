package io.qemuoperator.sidecar.attack;

import static org.assertj.core.api.Assertions.assertThat;

import io.qemuoperator.sidecar.BearerToken;
import io.qemuoperator.sidecar.SidecarConfig;
import io.qemuoperator.sidecar.SidecarOnQemu;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rotated token Secret through the running sidecar (issue 18, item 9), the token file laid out as
 * the kubelet mounts a Secret ({@code token} → {@code ..data/token}, {@code ..data} → a timestamped
 * folder) and rotated as it does (a new folder, {@code ..data} swapped by a rename): the new token
 * is taken up within seconds, the old one stays valid for {@link BearerToken#ROTATION_GRACE} and is
 * refused after it. ({@code BearerTokenTest} covers the rules on a test clock.)
 */
class TokenRotationIT {
  private static final String NEW = "rotated-token-0123456789abcdef";

  @TempDir Path volume;

  @RegisterExtension final SidecarOnQemu vm = new SidecarOnQemu().withConfig(this::mountedSecret);

  /** The configuration with its token moved into a Secret volume's layout. */
  private SidecarConfig mountedSecret(SidecarConfig config) {
    try {
      Path data = Files.createDirectory(volume.resolve("..2026_11_28_12_00_00.000000001"));
      Files.copy(config.tokenFile(), data.resolve("token"));
      Files.createSymbolicLink(volume.resolve("..data"), data.getFileName());
      Path token = Files.createSymbolicLink(volume.resolve("token"), Path.of("..data/token"));
      return SidecarConfigs.withTokenFile(config, token);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void rotate(String token) throws IOException {
    Path old = volume.resolve("..data").toRealPath();
    Path data = Files.createDirectory(volume.resolve("..2026_11_28_12_00_00.000000002"));
    Files.writeString(data.resolve("token"), token);
    Path link = Files.createSymbolicLink(volume.resolve("..data_tmp"), data.getFileName());
    Files.move(link, volume.resolve("..data"), StandardCopyOption.ATOMIC_MOVE);
    Files.delete(old.resolve("token"));
    Files.delete(old);
  }

  private int dialect(String token) {
    var raw = new RawHttp(vm.sidecar().uri("/").getPort());
    return raw.status(RawHttp.get("/v1/dialect", "Bearer " + token), Duration.ofSeconds(2));
  }

  @Test
  void aRotatedSecretIsTakenUpAndTheOldTokenIsRefusedAfterTheGrace() throws Exception {
    String old = vm.sidecar().token();
    assertThat(dialect(old)).isEqualTo(200);
    assertThat(dialect(NEW)).isEqualTo(401);

    rotate(NEW);
    long rotated = System.nanoTime();
    Awaitility.await("the new token accepted")
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> dialect(NEW) == 200);
    long takenUp = System.nanoTime();
    assertThat(dialect(old)).as("the old token, within its grace").isEqualTo(200);

    Duration stillValidUntil = BearerToken.ROTATION_GRACE.minusSeconds(3);
    Thread.sleep(stillValidUntil.minus(Duration.ofNanos(System.nanoTime() - takenUp)).toMillis());
    assertThat(dialect(old)).as("the old token, near the end of its grace").isEqualTo(200);

    Awaitility.await("the old token refused")
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> dialect(old) == 401);
    long refusedMillis = Duration.ofNanos(System.nanoTime() - rotated).toMillis();
    assertThat(dialect(NEW)).isEqualTo(200);
    assertThat(dialect("wrong-token-0123456789abcdef")).isEqualTo(401);
    System.out.printf(
        "token rotated: new accepted after %d ms, old refused after %d ms (grace %d s)%n",
        Duration.ofNanos(takenUp - rotated).toMillis(),
        refusedMillis,
        BearerToken.ROTATION_GRACE.toSeconds());
  }
}
