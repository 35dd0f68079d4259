package io.qemuoperator.kubectl;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** What {@code kubectl qvm migrate} prints of a request's status. */
class MigrateCommandTest {

  @Test
  void aPhaseWithItsMessageAndWhileTransferringQemusFigures() {
    assertThat(MigrateCommand.line("", Map.of())).isEmpty();
    assertThat(
            MigrateCommand.line(
                "TargetStarting", Map.of("message", "starting pod web-1-qemu-0a1b2c")))
        .isEqualTo("TargetStarting: starting pod web-1-qemu-0a1b2c");
    assertThat(
            MigrateCommand.line(
                "Transferring",
                Map.of(
                    "message",
                    "sending the guest to pod web-1-qemu-0a1b2c",
                    "progress",
                    Map.of("transferred", "12Mi", "passes", 2))))
        .isEqualTo("Transferring: sending the guest to pod web-1-qemu-0a1b2c [12Mi sent, pass 2]");
  }
}
