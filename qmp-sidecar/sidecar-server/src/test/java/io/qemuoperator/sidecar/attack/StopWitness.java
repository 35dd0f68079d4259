package io.qemuoperator.sidecar.attack;

import io.qemuoperator.sidecar.TestingSidecar;
import io.qemuoperator.testing.RawQmp;
import io.qemuoperator.testing.TestingQemu;

/**
 * Tells whether a {@code stop} ran, two ways: the sidecar's own count of the {@code stop} commands
 * it sent QEMU ({@code qmp_command_seconds_count{command="stop",…}} in {@code /metrics}), and
 * QEMU's run state read over its second, independent QMP monitor (a running QEMU that got a {@code
 * stop} is paused).
 */
final class StopWitness {
  private final TestingSidecar sidecar;
  private final TestingQemu qemu;

  StopWitness(TestingSidecar sidecar, TestingQemu qemu) {
    this.sidecar = sidecar;
    this.qemu = qemu;
  }

  /** Starts the VM (cont over the observer monitor), so that a stop would show in its run state. */
  StopWitness running() {
    try (var observer = RawQmp.connect(qemu.observerSocket())) {
      observer.execute("cont", null);
    }
    return this;
  }

  /** How many {@code stop} commands the sidecar has sent QEMU, whatever their result. */
  long stops() {
    var metrics = sidecar.get("/metrics", false);
    if (metrics.status() != 200) {
      throw new IllegalStateException(
          "/metrics answered " + metrics.status() + ": " + metrics.text());
    }
    long count = 0;
    for (String line : metrics.text().split("\n")) {
      if (line.startsWith("qmp_command_seconds_count{") && line.contains("command=\"stop\"")) {
        count += (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return count;
  }

  /** QEMU's run state, asked over its observer monitor (not through the sidecar). */
  String runState() {
    try (var observer = RawQmp.connect(qemu.observerSocket())) {
      return observer.runState();
    }
  }
}
