package io.qemuoperator.local;

import static io.qemuoperator.local.E2eCluster.MIB;
import static io.qemuoperator.local.E2eCluster.isTrue;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Quantity;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.api.v1alpha1.spec.Accelerator;
import io.qemuoperator.api.v1alpha1.spec.DiskSource;
import io.qemuoperator.api.v1alpha1.spec.IoLimitsSpec;
import io.qemuoperator.api.v1alpha1.spec.LinkState;
import io.qemuoperator.api.v1alpha1.spec.NetworkSpec;
import io.qemuoperator.api.v1alpha1.status.IoLimitsStatus;
import io.qemuoperator.operator.reconcile.Conditions;
import io.qemuoperator.testing.GuestShell;
import io.qemuoperator.testing.TestGuest;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * {@code disks[].ioLimits} and {@code network.link} on the local cluster with the real API server:
 * spec → QMP → QEMU → status, and the link as the booted test guest sees it (its carrier, through
 * the serial console). The guest-measured throughput under a limit is {@code GuestDevicesIT}'s.
 */
class DevicesE2E extends OnRealApiServer {
  private static final Duration BOOT = Duration.ofSeconds(180);
  private static final Duration ANSWER = Duration.ofSeconds(30);

  @Test
  void ioLimitsAndLinkReachQemuTheGuestAndStatus() throws Exception {
    String image = TestGuest.find().diskImage().toUri().toString();
    e2e.create(
        e2e.vm(
            "dev-1",
            s -> {
              s.setMemory(new Quantity("256Mi"));
              s.getDisks().getFirst().setSource(DiskSource.url(image, null));
            }));
    e2e.await("dev-1", "Ready", BOOT, vm -> isTrue(vm, Conditions.READY));
    e2e.awaitConsole("dev-1", TestGuest.READY, BOOT);
    e2e.await("dev-1", "link Up in status", vm -> "Up".equals(link(vm)));

    var limits = new IoLimitsSpec();
    limits.setReadBytesPerSec(new Quantity("4Mi"));
    limits.setTotalIopsPerSec(200L);
    e2e.edit("dev-1", s -> s.getDisks().getFirst().setIoLimits(limits));
    e2e.await(
        "dev-1",
        "QEMU's limits in status",
        vm -> {
          IoLimitsStatus applied = vm.getStatus().getDisks().getFirst().getIoLimits();
          return applied != null
              && Long.valueOf(4 * MIB).equals(applied.getReadBytesPerSec())
              && Long.valueOf(200).equals(applied.getTotalIopsPerSec())
              && applied.getWriteBytesPerSec() == null
              && isTrue(vm, Conditions.SYNCED);
        });
    assertThat(e2e.eventReasons("dev-1")).contains("IoLimitsSet");

    e2e.edit("dev-1", s -> s.getDisks().getFirst().setIoLimits(null));
    e2e.await(
        "dev-1",
        "no limits in status",
        vm -> vm.getStatus().getDisks().getFirst().getIoLimits() == null);

    try (GuestShell guest = e2e.shell("dev-1")) {
      assertThat(guest.number("cat /sys/class/net/eth0/carrier", ANSWER)).isEqualTo(1);
      e2e.edit("dev-1", s -> s.setNetwork(new NetworkSpec(LinkState.Down)));
      e2e.await("dev-1", "link Down in status", vm -> "Down".equals(link(vm)));
      awaitCarrier(guest, 0);
      e2e.edit("dev-1", s -> s.setNetwork(new NetworkSpec(LinkState.Up)));
      e2e.await("dev-1", "link Up in status", vm -> "Up".equals(link(vm)));
      awaitCarrier(guest, 1);
    }
    assertThat(e2e.eventReasons("dev-1")).contains("LinkDown", "LinkUp");
  }

  /** {@code accelerator: TCG}: QEMU runs TCG, status and Accelerated say so, no /dev/kvm asked. */
  @Test
  void tcgRunsTcgAndSaysSo() throws Exception {
    e2e.create(e2e.vm("tcg-1", s -> s.setAccelerator(Accelerator.TCG)));
    e2e.await(
        "tcg-1",
        "Ready under TCG",
        BOOT,
        vm ->
            isTrue(vm, Conditions.READY)
                && vm.getStatus().getConditions().stream()
                    .anyMatch(
                        c ->
                            c.getType().equals(Conditions.ACCELERATED)
                                && c.getStatus().equals("False")
                                && c.getReason().equals("TCG")));
    QemuVM vm = e2e.get("tcg-1");
    assertThat(vm.getStatus().getQemu().getKvm().getEnabled()).isFalse();
    var pod = e2e.client.pods().inNamespace(e2e.ns).withName("tcg-1-qemu").get();
    var qemu =
        pod.getSpec().getContainers().stream()
            .filter(c -> c.getName().equals("qemu"))
            .findFirst()
            .orElseThrow();
    assertThat(qemu.getResources().getRequests()).doesNotContainKey("devices.kubevirt.io/kvm");
    assertThat(qemu.getCommand().get(2)).contains("accel=tcg").doesNotContain("/dev/kvm");
  }

  private static String link(QemuVM vm) {
    return vm.getStatus() == null || vm.getStatus().getNetwork() == null
        ? null
        : vm.getStatus().getNetwork().getLink();
  }

  private static void awaitCarrier(GuestShell guest, long carrier) {
    Awaitility.await("the guest's carrier " + carrier)
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(250))
        .until(() -> guest.number("cat /sys/class/net/eth0/carrier", ANSWER) == carrier);
  }
}
