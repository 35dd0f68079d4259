package io.qemuoperator.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What the test guest's memory-integrity checker ({@link TestGuest#withMemoryCheck(int)}) printed
 * on a serial console: its rounds ({@code memcheck round=R blocks=B errors=E}, errors counted since
 * the guest started) and whether the kernel reported an oops or panic or the guest booted anew.
 */
public record MemoryCheck(List<Round> rounds, Optional<String> kernelTrouble) {
  private static final Pattern ROUND =
      Pattern.compile("memcheck round=(\\d+) blocks=(\\d+) errors=(\\d+)");
  private static final List<String> TROUBLE =
      List.of("Oops", "BUG:", "Kernel panic", "general protection", "segfault", TestGuest.READY);

  public MemoryCheck {
    rounds = List.copyOf(rounds);
  }

  /** One line of the checker. */
  public record Round(long round, int blocks, long errors) {}

  /**
   * Reads a serial log. {@code kernelTrouble} is the first line with an oops, a panic, a segfault
   * or the guest's ready line (a reboot) when {@code afterResume} (a migration target's log, where
   * the guest never boots).
   */
  public static MemoryCheck read(Path serialLog, boolean afterResume) {
    String text;
    try {
      text =
          Files.exists(serialLog)
              ? new String(Files.readAllBytes(serialLog), StandardCharsets.ISO_8859_1)
              : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    var matcher = ROUND.matcher(text);
    var rounds = new java.util.ArrayList<Round>();
    while (matcher.find()) {
      rounds.add(
          new Round(
              Long.parseLong(matcher.group(1)),
              Integer.parseInt(matcher.group(2)),
              Long.parseLong(matcher.group(3))));
    }
    Optional<String> trouble =
        text.lines()
            .filter(
                line ->
                    TROUBLE.stream()
                        .filter(t -> afterResume || !t.equals(TestGuest.READY))
                        .anyMatch(line::contains))
            .findFirst();
    return new MemoryCheck(rounds, trouble);
  }

  public Optional<Round> last() {
    return rounds.isEmpty() ? Optional.empty() : Optional.of(rounds.get(rounds.size() - 1));
  }

  /** Rounds after round {@code round}. */
  public long roundsAfter(long round) {
    return rounds.stream().filter(r -> r.round() > round).count();
  }
}
