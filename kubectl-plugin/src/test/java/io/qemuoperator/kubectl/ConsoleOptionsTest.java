package io.qemuoperator.kubectl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ConsoleOptionsTest {
  @Test
  void consoleAndLogsWithTheirOptions() {
    assertThat(ConsoleOptions.parse(new String[] {"console", "web-1"}, "team-a"))
        .isEqualTo(new ConsoleOptions("console", "web-1", "team-a", false, 65536));
    assertThat(
            ConsoleOptions.parse(
                new String[] {"logs", "web-1", "-f", "--bytes", "100", "-n", "team-b"}, null))
        .isEqualTo(new ConsoleOptions("logs", "web-1", "team-b", true, 100));
    assertThat(ConsoleOptions.parse(new String[] {"logs", "web-1"}, null).namespace())
        .isEqualTo("default");
  }

  @Test
  void mistakesAreNamed() {
    assertThatThrownBy(() -> ConsoleOptions.parse(new String[] {"console"}, null))
        .hasMessage("console needs the QemuVM's name");
    assertThatThrownBy(() -> ConsoleOptions.parse(new String[] {"shell", "x"}, null))
        .hasMessage("unknown command 'shell'");
    assertThatThrownBy(() -> ConsoleOptions.parse(new String[] {"console", "x", "-f"}, null))
        .hasMessage("-f is an option of logs");
    assertThatThrownBy(() -> ConsoleOptions.parse(new String[] {"logs", "x", "--bytes", "0"}, null))
        .hasMessage("--bytes must be at least 1");
  }

  @Test
  void aRefusedHandshakeIsSaidInTheUsersWords() {
    assertThat(ConsoleAttach.refusal("qemuvm/x", new java.io.IOException("Connection refused")))
        .startsWith("cannot reach the sidecar of qemuvm/x");
  }
}
