package io.qemuoperator.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import io.qemuoperator.testing.TestingQemu;
import java.time.Duration;
import java.util.Set;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A QEMU that hangs with its socket open (SIGSTOP) is visible: {@code /readyz} turns 503 {@code
 * QmpUnresponsive} once QEMU has been silent for the threshold and 200 again when it answers, and
 * {@code /metrics} answers at once with the last known figures meanwhile.
 */
class QemuHungIT {
  private static final Duration THRESHOLD = Duration.ofSeconds(3);

  private TestingQemu qemu;
  private TestingSidecar sidecar;

  @BeforeEach
  void start() throws Exception {
    qemu = TestingQemu.start();
    sidecar =
        TestingSidecar.start(
            qemu.qmpSocket(),
            qemu.dir(),
            Set.of(),
            config -> config.withUnresponsiveAfter(THRESHOLD));
  }

  @AfterEach
  void stop() {
    if (sidecar != null) {
      sidecar.close();
    }
    if (qemu != null) {
      qemu.close();
    }
  }

  private static Duration since(long nanos) {
    return Duration.ofNanos(System.nanoTime() - nanos);
  }

  /** Scrapes /metrics, returning how long it took; the figures must be there. */
  private Duration timedScrape() {
    long start = System.nanoTime();
    var metrics = sidecar.get("/metrics", false);
    Duration took = since(start);
    assertThat(metrics.status()).isEqualTo(200);
    assertThat(metrics.text()).contains("qemu_balloon_actual_bytes " + (double) (128L << 20));
    return took;
  }

  @Test
  void aStoppedQemuTurnsReadinessDownAndMetricsStayFastWithTheLastFigures() {
    assertThat(sidecar.command("cont", null).status()).isEqualTo(200);
    Awaitility.await("the figures read in the background")
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(this::timedScrape);
    Duration healthyScrape = timedScrape();

    qemu.stop();
    long stopped = System.nanoTime();
    Awaitility.await("readiness down")
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> sidecar.get("/readyz", false).status() == 503);
    Duration down = since(stopped);
    var ready = sidecar.get("/readyz", false);
    assertThat(ready.status()).isEqualTo(503);
    assertThat(ready.errorClass()).isEqualTo("QmpUnresponsive");
    assertThat(ready.desc()).contains("has not answered QMP for");
    assertThat(down)
        .as("not before QEMU was silent for the threshold")
        .isGreaterThan(THRESHOLD.minusSeconds(1));
    assertThat(sidecar.get("/healthz", false).status()).isEqualTo(200);

    Duration slowestHungScrape = Duration.ZERO;
    for (int i = 0; i < 3; i++) {
      Duration took = timedScrape();
      slowestHungScrape = took.compareTo(slowestHungScrape) > 0 ? took : slowestHungScrape;
    }
    assertThat(slowestHungScrape)
        .as("a scrape never waits for QEMU")
        .isLessThan(Duration.ofSeconds(1));
    assertThat(sidecar.get("/metrics", false).text()).containsPattern("qmp_silence_seconds [1-9]");

    qemu.cont();
    long resumed = System.nanoTime();
    Awaitility.await("readiness back")
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> sidecar.get("/readyz", false).status() == 200);
    Duration up = since(resumed);
    assertThat(sidecar.command("query-status", null).value().path("status").asText())
        .isEqualTo("running");
    System.out.printf(
        "hung QEMU: /readyz 503 %d ms after SIGSTOP (threshold %d ms), 200 %d ms after SIGCONT;"
            + " /metrics %d ms healthy, at most %d ms hung%n",
        down.toMillis(),
        THRESHOLD.toMillis(),
        up.toMillis(),
        healthyScrape.toMillis(),
        slowestHungScrape.toMillis());
  }
}
