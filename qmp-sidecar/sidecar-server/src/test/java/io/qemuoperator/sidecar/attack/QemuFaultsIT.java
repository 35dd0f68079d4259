package io.qemuoperator.sidecar.attack;

import static org.assertj.core.api.Assertions.assertThat;

import io.qemuoperator.sidecar.SidecarOnQemu;
import io.qemuoperator.sidecar.TestingSidecar;
import io.qemuoperator.testing.RawQmp;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * QEMU hung (SIGSTOP) while a command is in flight (issue 18, item 10): the caller gets a 504 with
 * QMP's class once the command deadline has passed, {@code /readyz} says 503 {@code
 * QmpUnresponsive} meanwhile and {@code /healthz} stays 200; once QEMU runs again the sidecar is
 * ready and reports the run state QEMU is really in (a 504 means "outcome unknown"). QEMU killed
 * mid-command and restarted is {@code io.qemuoperator.sidecar.SidecarHttpIT}'s {@code
 * whenQemuDiesReadinessDropsInFlightCallsFailFastAndRestartReconnects}; readiness and metrics of a
 * hung QEMU without a command in flight are {@code QemuHungIT}'s.
 */
class QemuFaultsIT {
  private static final Duration UNRESPONSIVE_AFTER = Duration.ofSeconds(3);

  /** QmpClientOptions' command deadline (30 s), and slack. */
  private static final Duration ANSWERED_WITHIN = Duration.ofSeconds(40);

  @RegisterExtension
  final SidecarOnQemu vm =
      new SidecarOnQemu().withConfig(config -> config.withUnresponsiveAfter(UNRESPONSIVE_AFTER));

  @Test
  void aCommandInFlightWhenQemuHangsGets504AndReadinessSaysWhy() throws Exception {
    assertThat(vm.sidecar().command("cont", null).status()).isEqualTo(200);
    vm.qemu().stop(); // SIGSTOP: QEMU keeps its socket open and answers nothing
    long hung = System.nanoTime();
    CompletableFuture<TestingSidecar.Answer> inFlight =
        CompletableFuture.supplyAsync(() -> vm.sidecar().command("stop", null));

    Awaitility.await("readiness down")
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> vm.sidecar().get("/readyz", false).status() == 503);
    var ready = vm.sidecar().get("/readyz", false);
    assertThat(ready.errorClass()).isEqualTo("QmpUnresponsive");
    assertThat(vm.sidecar().get("/healthz", false).status()).isEqualTo(200);
    assertThat(inFlight).as("the command still waits for QEMU").isNotDone();

    var answer = inFlight.get(ANSWERED_WITHIN.toSeconds(), TimeUnit.SECONDS);
    long answeredMillis = Duration.ofNanos(System.nanoTime() - hung).toMillis();
    assertThat(answer.status()).as(answer.text()).isEqualTo(504);
    assertThat(answer.errorClass()).isEqualTo("QmpTimeout");
    assertThat(answer.desc()).isNotBlank();

    vm.qemu().cont();
    Awaitility.await("readiness back")
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> vm.sidecar().get("/readyz", false).status() == 200);
    String truth;
    try (var observer = RawQmp.connect(vm.qemu().observerSocket())) {
      truth = observer.runState();
    }
    var status = vm.sidecar().command("query-status", null);
    assertThat(status.status()).isEqualTo(200);
    assertThat(status.value().path("status").asText())
        .as("the run state the sidecar reports is QEMU's")
        .isEqualTo(truth);
    System.out.printf(
        "QEMU hung mid-command: 504 %s after %d ms; after SIGCONT QEMU is %s%n",
        answer.errorClass(), answeredMillis, truth);
  }
}
