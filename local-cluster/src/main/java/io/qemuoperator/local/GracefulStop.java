package io.qemuoperator.local;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** How this machine stops a child process, as a kubelet stops a container. */
public final class GracefulStop {
  private GracefulStop() {}

  /**
   * SIGTERM, then SIGKILL once {@code grace} has passed; returns when the process is gone (at once
   * with SIGKILL when this thread is interrupted, the interrupt kept).
   */
  public static void stop(Process process, Duration grace) {
    process.destroy();
    try {
      if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        process.waitFor();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
