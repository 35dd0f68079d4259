package io.qemuoperator.local;

import static io.qemuoperator.local.E2eCluster.MIB;
import static io.qemuoperator.local.E2eCluster.isTrue;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Quantity;
import io.qemuoperator.api.v1alpha1.spec.DiskSource;
import io.qemuoperator.api.v1alpha1.status.QemuVMPhase;
import io.qemuoperator.operator.reconcile.Conditions;
import io.qemuoperator.testing.GuestShell;
import io.qemuoperator.testing.TestGuest;
import java.time.Duration;
import java.time.Instant;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * What the spec's live fields do, seen from inside a real guest: the test guest (Debian's cloud
 * kernel, busybox) imported from its disk image by URL, booted under TCG on the local cluster with
 * the real API server, and asked through its serial console ({@link GuestShell}). Each step checks
 * the guest, not QEMU's bookkeeping: a pause stops the guest's clock, the balloon shrinks the
 * guest's MemTotal while status follows QEMU, a grown disk is seen by the guest's kernel, and
 * {@code running: false} makes the guest power itself off through ACPI, well within its grace
 * period, which an Event says.
 */
class GuestSideE2E extends OnRealApiServer {
  private static final Duration BOOT = Duration.ofSeconds(180);
  private static final Duration ANSWER = Duration.ofSeconds(30);

  @Test
  void theGuestFollowsPauseBalloonDiskGrowthAndPowersItselfOff() throws Exception {
    String image = TestGuest.find().diskImage().toUri().toString();
    e2e.create(
        e2e.vm(
            "guest-1",
            s -> {
              s.setMemory(new Quantity("256Mi"));
              s.getDisks().getFirst().setSource(DiskSource.url(image, null));
              s.setTerminationGracePeriodSeconds(60L);
            }));
    e2e.await("guest-1", "Ready", BOOT, vm -> isTrue(vm, Conditions.READY));
    e2e.awaitConsole("guest-1", TestGuest.READY, BOOT);

    try (GuestShell guest = e2e.shell("guest-1")) {
      // paused: the guest's clock stands still (vCPUs stopped), then goes on
      double before = uptime(guest);
      Instant pausedAt = Instant.now();
      e2e.edit("guest-1", s -> s.setPaused(true));
      e2e.await("guest-1", "Paused", vm -> vm.getStatus().getPhase() == QemuVMPhase.Paused);
      Thread.sleep(3000); // the stimulus: three seconds in which the guest must not run
      e2e.edit("guest-1", s -> s.setPaused(false));
      e2e.await("guest-1", "Running", vm -> vm.getStatus().getPhase() == QemuVMPhase.Running);
      double wall = Duration.between(pausedAt, Instant.now()).toMillis() / 1000.0;
      double guestElapsed = uptime(guest) - before;
      assertThat(guestElapsed)
          .as("guest seconds across a %.1f s wall-clock span holding a 3 s pause", wall)
          .isLessThan(wall - 2.0);

      // balloon: the guest gives memory back; status reports what QEMU says the guest has
      long totalBefore = memTotalBytes(guest);
      e2e.edit("guest-1", s -> s.setBalloon(new Quantity("160Mi")));
      e2e.await(
          "guest-1",
          "memory.actual 160Mi",
          vm -> vm.getStatus().getMemory().getActual() == 160 * MIB);
      awaitGuest(
          "MemTotal at most 160Mi",
          () -> memTotalBytes(guest) <= 160 * MIB && memTotalBytes(guest) < totalBefore - 64 * MIB);
      e2e.edit("guest-1", s -> s.setBalloon(new Quantity("256Mi")));
      awaitGuest("MemTotal back", () -> memTotalBytes(guest) > 160 * MIB + 32 * MIB);

      // disk growth: the guest's kernel sees the new size of /dev/vda
      e2e.edit("guest-1", s -> s.getDisks().getFirst().setSize(new Quantity("96Mi")));
      e2e.await(
          "guest-1",
          "disk at 96Mi",
          vm -> vm.getStatus().getDisks().getFirst().getSizeBytes() == 96 * MIB);
      awaitGuest(
          "/dev/vda at 96Mi",
          () -> guest.number("cat /sys/block/vda/size", ANSWER) * 512 == 96 * MIB);
    }

    // running: false → ACPI power button → the guest's acpid powers it off; no quit was needed
    Instant asked = Instant.now();
    e2e.edit("guest-1", s -> s.setRunning(false));
    e2e.await("guest-1", "Stopped", BOOT, vm -> vm.getStatus().getPhase() == QemuVMPhase.Stopped);
    assertThat(Duration.between(asked, Instant.now()))
        .as("well within the 60 s grace period")
        .isLessThan(Duration.ofSeconds(30));
    assertThat(e2e.eventReasons("guest-1"))
        .contains("PowerdownRequested", "GuestPoweredOff")
        .doesNotContain("PowerdownTimedOut");
    assertThat(e2e.consoleLog("guest-1")).contains("reboot: Power down");
  }

  private static double uptime(GuestShell guest) {
    String out = guest.run("cut -d' ' -f1 /proc/uptime", ANSWER);
    return Double.parseDouble(out.lines().reduce((a, b) -> b).orElseThrow().strip());
  }

  private static long memTotalBytes(GuestShell guest) {
    return guest.number("awk '/^MemTotal/ {print $2}' /proc/meminfo", ANSWER) * 1024;
  }

  private static void awaitGuest(String what, java.util.concurrent.Callable<Boolean> check) {
    Awaitility.await("guest: " + what)
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(250))
        .until(check);
  }
}
