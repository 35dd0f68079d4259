package io.qemuoperator.local;

import static io.qemuoperator.local.E2eCluster.isTrue;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.api.v1alpha1.spec.DiskSource;
import io.qemuoperator.operator.reconcile.Conditions;
import io.qemuoperator.testing.TestGuest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A disk on a claim the user owns: the claim (bound by hand to a volume that holds the test guest's
 * disk as disk.qcow2) is mounted as it is, the guest boots from it, the operator makes no claim of
 * its own for the disk, and deleting the VM leaves the user's claim and its image alone.
 */
@ParameterizedClass(name = "on the {0} API server")
@ValueSource(strings = {"mock", "real"})
class ClaimSourceE2E extends OnBothApiServers {
  private static final Duration BOOT = Duration.ofSeconds(120); // TCG on a loaded machine

  @Test
  void aVmBootsFromTheUsersClaimAndLeavesItWhenDeleted() throws Exception {
    Path folder = Files.createTempDirectory("qo-user-claim-");
    Path image = folder.resolve("disk.qcow2");
    Files.copy(TestGuest.find().diskImage(), image);
    PersistentVolumeClaim claim =
        e2e.client
            .persistentVolumeClaims()
            .inNamespace(e2e.ns)
            .resource(
                new PersistentVolumeClaimBuilder()
                    .withNewMetadata()
                    .withName("golden")
                    .endMetadata()
                    .withNewSpec()
                    .withAccessModes("ReadWriteOnce")
                    .withStorageClassName("")
                    .withNewResources()
                    .withRequests(Map.of("storage", new Quantity("64Mi")))
                    .endResources()
                    .endSpec()
                    .build())
            .create();
    String volumeName = "golden-" + e2e.ns;
    PersistentVolume volume =
        new PersistentVolumeBuilder()
            .withNewMetadata()
            .withName(volumeName)
            .endMetadata()
            .withNewSpec()
            .withCapacity(Map.of("storage", new Quantity("64Mi")))
            .withAccessModes("ReadWriteOnce")
            .withStorageClassName("")
            .withPersistentVolumeReclaimPolicy("Retain")
            .withNewHostPath()
            .withPath(folder.toString())
            .endHostPath()
            .withNewClaimRef()
            .withNamespace(e2e.ns)
            .withName("golden")
            .withUid(claim.getMetadata().getUid())
            .endClaimRef()
            .endSpec()
            .build();
    e2e.client.persistentVolumes().resource(volume).create();
    try {
      Awaitility.await("the user's claim bound")
          .atMost(Duration.ofSeconds(60))
          .until(() -> e2e.agent().claimFolder(e2e.ns, "golden").isPresent());

      e2e.create(
          e2e.vm(
              "on-claim",
              s -> {
                s.setMemory(new Quantity("256Mi"));
                s.getDisks().get(0).setSource(DiskSource.claim("golden"));
              }));
      QemuVM ready = e2e.await("on-claim", "Ready", BOOT, vm -> isTrue(vm, Conditions.READY));
      e2e.awaitConsole("on-claim", TestGuest.READY, BOOT);
      assertThat(ready.getStatus().getDisks())
          .singleElement()
          .satisfies(disk -> assertThat(disk.getName()).isEqualTo("root"));
      assertThat(
              e2e.client
                  .persistentVolumeClaims()
                  .inNamespace(e2e.ns)
                  .withName("on-claim-root")
                  .get())
          .as("no claim of the operator's for a disk on the user's claim")
          .isNull();

      e2e.client.resources(QemuVM.class).inNamespace(e2e.ns).withName("on-claim").delete();
      Awaitility.await("the VM and its pod gone")
          .atMost(Duration.ofSeconds(90))
          .until(
              () ->
                  e2e.get("on-claim") == null
                      && e2e.client.pods().inNamespace(e2e.ns).withName("on-claim-qemu").get()
                          == null);
      assertThat(e2e.client.persistentVolumeClaims().inNamespace(e2e.ns).withName("golden").get())
          .as("the user's claim stays")
          .isNotNull();
      assertThat(image).as("and its image").exists();
    } finally {
      e2e.client.persistentVolumes().withName(volumeName).delete();
      Files.deleteIfExists(image);
      Files.deleteIfExists(folder);
    }
  }
}
