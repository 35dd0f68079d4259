package io.qemuoperator.local;

import static io.qemuoperator.local.E2eCluster.isTrue;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.api.v1alpha1.spec.CdromSpec;
import io.qemuoperator.api.v1alpha1.spec.DiskSource;
import io.qemuoperator.api.v1alpha1.status.CdromStatus;
import io.qemuoperator.operator.reconcile.Conditions;
import io.qemuoperator.testing.GuestShell;
import io.qemuoperator.testing.TestGuest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code spec.cdroms[]} on the local cluster with the real API server: a CD-ROM on a claim the user
 * owns that holds two media; the spec's {@code file} goes to QEMU ({@code change}, {@code eject}),
 * status follows what QEMU reports, and the booted test guest reads each medium from {@code
 * /dev/sr0} through its serial console, then finds none.
 */
class CdromE2E extends OnRealApiServer {
  private static final Duration BOOT = Duration.ofSeconds(180);
  private static final Duration ANSWER = Duration.ofSeconds(30);
  private static final String LABEL_A = "qemu-operator medium A";
  private static final String LABEL_B = "qemu-operator medium B";
  private static final String READ = "head -c 22 /dev/sr0";

  private Path folder;

  /** Runs before the cluster is closed (a subclass's {@code @AfterEach} comes first). */
  @AfterEach
  void deleteMedia() throws Exception {
    if (folder != null) {
      try (var files = Files.walk(folder)) {
        for (Path path : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(path);
        }
      }
    }
  }

  @Test
  void theSpecsFileIsTheMediumTheGuestReads() throws Exception {
    long started = System.nanoTime();
    folder = Files.createTempDirectory("qo-media-claim-");
    Files.createDirectories(folder.resolve("isos"));
    medium(folder.resolve("isos/a.iso"), LABEL_A);
    medium(folder.resolve("isos/b.iso"), LABEL_B);
    userClaim("media", folder);

    String image = TestGuest.find().diskImage().toUri().toString();
    e2e.create(
        e2e.vm(
            "cd-1",
            s -> {
              s.setMemory(new Quantity("256Mi"));
              s.getDisks().getFirst().setSource(DiskSource.url(image, null));
              s.setCdroms(List.of(new CdromSpec("install", "media", "isos/a.iso")));
            }));
    e2e.await(
        "cd-1",
        "Ready with medium A",
        BOOT,
        vm -> isTrue(vm, Conditions.READY) && "isos/a.iso".equals(file(vm)));
    e2e.awaitConsole("cd-1", TestGuest.READY, BOOT);
    CdromStatus inserted = e2e.get("cd-1").getStatus().getCdroms().getFirst();
    assertThat(inserted.getName()).isEqualTo("install");
    assertThat(inserted.getTrayOpen()).isFalse();

    try (GuestShell guest = e2e.shell("cd-1")) {
      awaitGuestReads(guest, LABEL_A);
      System.out.printf(
          "the guest read medium A %.1f s after create%n", (System.nanoTime() - started) / 1e9);
      long change = System.nanoTime();

      e2e.edit("cd-1", s -> s.getCdroms().getFirst().setFile("isos/b.iso"));
      e2e.await(
          "cd-1",
          "medium B in status",
          vm -> "isos/b.iso".equals(file(vm)) && isTrue(vm, Conditions.SYNCED));
      awaitGuestReads(guest, LABEL_B);
      System.out.printf(
          "the guest read medium B %.1f s after the edit%n", (System.nanoTime() - change) / 1e9);

      e2e.edit("cd-1", s -> s.getCdroms().getFirst().setFile("isos/missing.iso"));
      QemuVM refused =
          e2e.await(
              "cd-1",
              "QEMU's refusal in Synced",
              vm ->
                  vm.getStatus().getConditions().stream()
                      .anyMatch(
                          c ->
                              c.getType().equals(Conditions.SYNCED)
                                  && c.getStatus().equals("False")
                                  && c.getReason().equals("QmpError")));
      System.out.println("a medium not on the claim: " + synced(refused));
      assertThat(synced(refused)).startsWith("change failed: GenericError: ");
      assertThat(file(refused)).as("QEMU keeps medium B").isEqualTo("isos/b.iso");
      awaitGuestReads(guest, LABEL_B);

      long eject = System.nanoTime();

      e2e.edit("cd-1", s -> s.getCdroms().getFirst().setFile(null));
      e2e.await(
          "cd-1",
          "no medium in status",
          vm ->
              vm.getStatus().getCdroms() != null
                  && !vm.getStatus().getCdroms().isEmpty()
                  && file(vm) == null
                  && isTrue(vm, Conditions.SYNCED));
      awaitGuestReads(guest, "No medium found");
      System.out.printf(
          "the guest found no medium %.1f s after the edit%n", (System.nanoTime() - eject) / 1e9);
    }
    assertThat(e2e.eventReasons("cd-1")).contains("MediumChanged", "MediumEjected");

    // kube-apiserver 1.20 keeps no CEL rule: the operator's validator refuses the path
    e2e.edit("cd-1", s -> s.getCdroms().getFirst().setFile("isos/../../etc/passwd"));
    QemuVM invalid =
        e2e.await(
            "cd-1",
            "SpecValid=False",
            vm ->
                vm.getStatus().getConditions().stream()
                    .anyMatch(
                        c ->
                            c.getType().equals(Conditions.SPEC_VALID)
                                && c.getStatus().equals("False")
                                && c.getMessage().contains("spec.cdroms[0].file")));
    assertThat(file(invalid)).as("QEMU was not asked: the drive stays empty").isNull();
    assertThat(e2e.eventReasons("cd-1").stream().filter("MediumChanged"::equals).count())
        .as("A, B: no third change")
        .isEqualTo(2);
    CdromStatus empty = e2e.get("cd-1").getStatus().getCdroms().getFirst();
    System.out.printf(
        "after eject QEMU reports trayOpen=%s locked=%s%n", empty.getTrayOpen(), empty.getLocked());
    assertThat(empty.getTrayOpen())
        .as("the tray as QEMU reports it (the guest's driver may close it again)")
        .isNotNull();
  }

  /** A raw medium of 1 MiB that starts with {@code label}. */
  private static void medium(Path path, String label) throws Exception {
    byte[] bytes = new byte[1 << 20];
    byte[] text = label.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(text, 0, bytes, 0, text.length);
    Files.write(path, bytes);
  }

  /** A claim bound by hand to a volume on {@code folder}, as ClaimSourceE2E makes one. */
  private void userClaim(String name, Path folder) {
    PersistentVolumeClaim claim =
        e2e.client
            .persistentVolumeClaims()
            .inNamespace(e2e.ns)
            .resource(
                new PersistentVolumeClaimBuilder()
                    .withNewMetadata()
                    .withName(name)
                    .endMetadata()
                    .withNewSpec()
                    .withAccessModes("ReadWriteOnce")
                    .withStorageClassName("")
                    .withNewResources()
                    .withRequests(Map.of("storage", new Quantity("16Mi")))
                    .endResources()
                    .endSpec()
                    .build())
            .create();
    PersistentVolume volume =
        new PersistentVolumeBuilder()
            .withNewMetadata()
            .withName(name + "-" + e2e.ns)
            .endMetadata()
            .withNewSpec()
            .withCapacity(Map.of("storage", new Quantity("16Mi")))
            .withAccessModes("ReadWriteOnce")
            .withStorageClassName("")
            .withPersistentVolumeReclaimPolicy("Retain")
            .withNewHostPath()
            .withPath(folder.toString())
            .endHostPath()
            .withNewClaimRef()
            .withNamespace(e2e.ns)
            .withName(name)
            .withUid(claim.getMetadata().getUid())
            .endClaimRef()
            .endSpec()
            .build();
    e2e.client.persistentVolumes().resource(volume).create();
    Awaitility.await("the user's claim bound")
        .atMost(Duration.ofSeconds(60))
        .until(() -> e2e.agent().claimFolder(e2e.ns, name).isPresent());
  }

  private static String synced(QemuVM vm) {
    return vm.getStatus().getConditions().stream()
        .filter(c -> c.getType().equals(Conditions.SYNCED))
        .findFirst()
        .orElseThrow()
        .getMessage();
  }

  private static String file(QemuVM vm) {
    return vm.getStatus() == null
            || vm.getStatus().getCdroms() == null
            || vm.getStatus().getCdroms().isEmpty()
        ? null
        : vm.getStatus().getCdroms().getFirst().getFile();
  }

  private static void awaitGuestReads(GuestShell guest, String text) {
    String[] last = new String[1];
    try {
      Awaitility.await("the guest reads '" + text + "' from /dev/sr0")
          .atMost(Duration.ofSeconds(90))
          .pollInterval(Duration.ofMillis(500))
          .until(
              () -> {
                last[0] = guest.run(READ, ANSWER);
                return last[0].contains(text);
              });
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError("the guest last read: " + last[0], e);
    }
  }
}
