package io.qemuoperator.local;

import static io.qemuoperator.local.E2eCluster.MIB;
import static io.qemuoperator.local.E2eCluster.condition;
import static io.qemuoperator.local.E2eCluster.isTrue;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Quantity;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.operator.plan.DiskSizing;
import io.qemuoperator.operator.pod.DiskClaims;
import io.qemuoperator.operator.reconcile.Conditions;
import java.nio.file.Path;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A disk grows on its claim first, then in QEMU: the claim's request is raised, the node's storage
 * grows the volume, and only then is {@code block_resize} sent. Storage that cannot grow keeps the
 * disk at its size, and status says why.
 */
@ParameterizedClass(name = "on the {0} API server")
@ValueSource(strings = {"mock", "real"})
class DiskGrowthE2E extends OnBothApiServers {

  @Test
  void aDiskGrowsOnItsClaimFirstThenInQemu() throws Exception {
    e2e.create(e2e.vm("grow-1", s -> {}));
    e2e.await("grow-1", "Ready", vm -> isTrue(vm, Conditions.READY));
    assertThat(DiskClaims.requestBytes(claim("grow-1-root")))
        .isEqualTo(DiskSizing.claimBytes(64 * MIB));

    e2e.edit("grow-1", s -> s.getDisks().get(0).setSize(new Quantity("128Mi")));
    QemuVM grown =
        e2e.await(
            "grow-1",
            "disk grown and in sync",
            vm ->
                vm.getStatus().getDisks().get(0).getSizeBytes() == 128 * MIB
                    && isTrue(vm, Conditions.SYNCED));
    PersistentVolumeClaim claim = claim("grow-1-root");
    assertThat(DiskClaims.requestBytes(claim)).isEqualTo(DiskSizing.claimBytes(128 * MIB));
    assertThat(DiskClaims.capacity(claim)).hasValue(DiskSizing.claimBytes(128 * MIB));
    assertThat(e2e.eventReasons("grow-1")).contains("ClaimGrown", "DiskResized");
    Path image = e2e.agent().claimFolder(e2e.ns, "grow-1-root").orElseThrow().resolve("disk.qcow2");
    assertThat(QemuImg.virtualSize(image)).isEqualTo(128 * MIB);
    assertThat(grown.getStatus().getDisks().get(0).getIoStatus()).isEqualTo("ok");
  }

  @Test
  void storageThatCannotGrowKeepsTheDiskAtItsSizeAndSaysWhy() throws Exception {
    e2e.create(
        e2e.vm("fixed-1", s -> s.getDisks().get(0).setStorageClassName(StorageClasses.FIXED)));
    e2e.await("fixed-1", "Ready", vm -> isTrue(vm, Conditions.READY));

    e2e.edit("fixed-1", s -> s.getDisks().get(0).setSize(new Quantity("128Mi")));
    // the real API server refuses the claim's new request (PersistentVolumeClaimResize admission);
    // the mock accepts it, and the node's storage then never grows the volume
    String reason = onRealApiServer() ? "DiskExpansionRefused" : "ClaimResizing";
    QemuVM held =
        e2e.await(
            "fixed-1",
            "Synced=False " + reason,
            vm ->
                condition(vm, Conditions.SYNCED)
                    .map(c -> reason.equals(c.getReason()))
                    .orElse(false));
    assertThat(condition(held, Conditions.SYNCED).get().getMessage()).contains("disk 'root'");
    if (onRealApiServer()) {
      assertThat(condition(held, Conditions.SYNCED).get().getMessage())
          .contains("storageclass that provisions the pvc must support resize");
      assertThat(e2e.eventReasons("fixed-1")).contains("DiskExpansionRefused");
    }
    // nothing grew: not QEMU's disk, not its image, not the claim's volume
    Awaitility.await("no growth for a while")
        .pollDelay(Duration.ofSeconds(3))
        .atMost(Duration.ofSeconds(5))
        .until(() -> true);
    QemuVM after = e2e.get("fixed-1");
    assertThat(after.getStatus().getDisks().get(0).getSizeBytes()).isEqualTo(64 * MIB);
    assertThat(e2e.eventReasons("fixed-1")).doesNotContain("DiskResized");
    Path image =
        e2e.agent().claimFolder(e2e.ns, "fixed-1-root").orElseThrow().resolve("disk.qcow2");
    assertThat(QemuImg.virtualSize(image)).isEqualTo(64 * MIB);
    assertThat(DiskClaims.capacity(claim("fixed-1-root")))
        .hasValue(DiskSizing.claimBytes(64 * MIB));
    // the VM runs on with the disk it has; Ready is False while the spec is not reached
    assertThat(after.getStatus().getRunState()).isEqualTo("running");
    assertThat(isTrue(after, Conditions.READY)).isFalse();
  }

  private PersistentVolumeClaim claim(String name) {
    return e2e.client.persistentVolumeClaims().inNamespace(e2e.ns).withName(name).get();
  }
}
