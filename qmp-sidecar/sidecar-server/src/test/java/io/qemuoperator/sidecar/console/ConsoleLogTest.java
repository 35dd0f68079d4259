package io.qemuoperator.sidecar.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The console log's bound and positions, on files written as QEMU writes them (O_APPEND). */
class ConsoleLogTest {
  @TempDir Path dir;

  private Path append(String text) throws Exception {
    return Files.writeString(
        dir.resolve("console.log"),
        text,
        StandardCharsets.UTF_8,
        StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
  }

  private static String text(ConsoleLog.Slice slice) {
    return new String(slice.bytes(), StandardCharsets.UTF_8);
  }

  @Test
  void beforeQemuWroteAnythingTheLogIsEmpty() throws Exception {
    var log = new ConsoleLog(dir.resolve("console.log"), 4096);

    ConsoleLog.Slice slice = log.read(OptionalLong.empty(), 100);

    assertThat(slice.bytes()).isEmpty();
    assertThat(slice.start()).isZero();
    assertThat(slice.end()).isZero();
    assertThat(log.keepBounded()).isFalse();
  }

  @Test
  void pastItsBoundTheLogMovesToItsPreviousPartAndPositionsGoOn() throws Exception {
    var log = new ConsoleLog(dir.resolve("console.log"), 4096);
    String boot = "a".repeat(5000) + "boot-end\n";
    append(boot);

    assertThat(log.keepBounded()).isTrue();
    assertThat(Files.size(dir.resolve("console.log"))).isZero();
    assertThat(Files.readString(dir.resolve("console.log.1"))).isEqualTo(boot);
    assertThat(log.keepBounded()).as("nothing more to rotate").isFalse();

    append("login: ");
    ConsoleLog.Slice tail = log.read(OptionalLong.empty(), 16);
    assertThat(text(tail)).as("the tail spans both parts").isEqualTo("boot-end\nlogin: ");
    assertThat(tail.end()).isEqualTo(boot.length() + 7);

    ConsoleLog.Slice after = log.read(OptionalLong.of(boot.length() - 4), 1);
    assertThat(text(after)).isEqualTo("end\nlogin: ");
    assertThat(after.start()).isEqualTo(boot.length() - 4);

    append("root\n");
    ConsoleLog.Slice next = log.read(OptionalLong.of(after.end()), 1);
    assertThat(text(next)).as("following: only what came after").isEqualTo("root\n");
  }

  @Test
  void aPositionNoLongerKeptAnswersFromTheOldestByteKept() throws Exception {
    var log = new ConsoleLog(dir.resolve("console.log"), 4096);
    append("x".repeat(5000));
    log.keepBounded();
    append("y".repeat(5000));
    log.keepBounded();
    append("z");

    ConsoleLog.Slice slice = log.read(OptionalLong.of(0), 1);

    assertThat(slice.start()).as("the first 5000 bytes are gone").isEqualTo(5000);
    assertThat(text(slice)).isEqualTo("y".repeat(5000) + "z");
    assertThat(log.read(OptionalLong.empty(), 1_000_000).bytes())
        .as("never more than twice the bound")
        .hasSizeLessThanOrEqualTo(2 * 4096 + 1);
  }

  @Test
  void aPositionPastTheEndAnswersNothingWithTheEnd() throws Exception {
    var log = new ConsoleLog(dir.resolve("console.log"), 4096);
    append("hello");

    ConsoleLog.Slice slice = log.read(OptionalLong.of(1000), 1);

    assertThat(slice.bytes()).isEmpty();
    assertThat(slice.end()).isEqualTo(5);
  }

  @Test
  void aNewSidecarCountsFromWhatThePreviousPartHolds() throws Exception {
    Files.writeString(dir.resolve("console.log.1"), "old\n");
    append("new\n");

    ConsoleLog.Slice slice =
        new ConsoleLog(dir.resolve("console.log"), 4096).read(OptionalLong.of(0), 1);

    assertThat(text(slice)).isEqualTo("old\nnew\n");
    assertThat(slice.end()).isEqualTo(8);
  }
}
