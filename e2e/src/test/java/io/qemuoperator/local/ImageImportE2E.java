package io.qemuoperator.local;

import static io.qemuoperator.local.E2eCluster.MIB;
import static io.qemuoperator.local.E2eCluster.condition;
import static io.qemuoperator.local.E2eCluster.isTrue;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.api.model.Quantity;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.api.v1alpha1.spec.DiskSource;
import io.qemuoperator.api.v1alpha1.status.Condition;
import io.qemuoperator.operator.reconcile.Conditions;
import io.qemuoperator.testing.TestGuest;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A root disk imported from an image boots the guest it holds: the test guest's bootable disk
 * ({@link TestGuest#diskImage()}), fetched by the VM pod's init container over HTTP with its
 * sha256, converted and grown to the disk's size, boots by BIOS to the guest's ready line on the
 * serial console. A URL that answers 404 and an image whose checksum does not match end in the
 * condition DisksReady=False ImportFailed with the importer's words, and nothing boots. A source
 * that trickles the image shows the import's progress rising in the QemuVM's status before the VM
 * boots.
 */
@ParameterizedClass(name = "on the {0} API server")
@ValueSource(strings = {"mock", "real"})
class ImageImportE2E extends OnBothApiServers {
  private static final Duration BOOT = Duration.ofSeconds(120); // TCG on a loaded machine
  private static final int TRICKLE_STEP = 64 * 1024;

  private HttpServer images;
  private Path guestDisk;
  private String guestSha256;

  @BeforeEach
  void serveTheTestGuestsDisk() throws Exception {
    guestDisk = TestGuest.find().diskImage();
    guestSha256 = sha256(guestDisk);
    images = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    images.createContext(
        "/",
        exchange -> {
          if (!exchange.getRequestURI().getPath().equals("/test-guest.qcow2")) {
            exchange.sendResponseHeaders(404, -1);
            exchange.close();
            return;
          }
          exchange.sendResponseHeaders(200, Files.size(guestDisk));
          try (var out = exchange.getResponseBody()) {
            Files.copy(guestDisk, out);
          }
        });
    images.createContext(
        "/slow/",
        exchange -> {
          // the test guest's disk at about 1.6 MB/s: some 10 s for its 16 MB
          byte[] image = Files.readAllBytes(guestDisk);
          exchange.sendResponseHeaders(200, image.length);
          try (var out = exchange.getResponseBody()) {
            for (int at = 0; at < image.length; at += TRICKLE_STEP) {
              out.write(image, at, Math.min(TRICKLE_STEP, image.length - at));
              out.flush();
              Thread.sleep(40);
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
    images.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
    images.start();
  }

  @AfterEach
  void stopServing() {
    images.stop(0);
  }

  @Test
  void anImportedRootDiskBootsTheGuestItHolds() throws Exception {
    e2e.create(
        e2e.vm(
            "import-1",
            s -> {
              s.setMemory(new Quantity("256Mi"));
              s.getDisks().get(0).setSource(DiskSource.url(url("test-guest.qcow2"), guestSha256));
            }));
    QemuVM ready = e2e.await("import-1", "Ready", BOOT, vm -> isTrue(vm, Conditions.READY));
    Condition disks = condition(ready, Conditions.DISKS_READY).orElseThrow();
    assertThat(disks.getStatus()).isEqualTo(Condition.TRUE);
    assertThat(disks.getReason()).isEqualTo("Imported");
    assertThat(disks.getMessage()).contains("disk root: imported", "qcow2", guestSha256);

    assertThat(e2e.awaitConsole("import-1", TestGuest.READY, BOOT))
        .as("the guest booted from the imported disk (no -kernel)")
        .contains("SYSLINUX");
    Path folder = e2e.agent().claimFolder(e2e.ns, "import-1-root").orElseThrow();
    assertThat(QemuImg.virtualSize(folder.resolve("disk.qcow2")))
        .as("converted and grown to the disk's size")
        .isEqualTo(64 * MIB);
    try (var left = Files.list(folder)) {
      assertThat(left.map(p -> p.getFileName().toString())).containsExactly("disk.qcow2");
    }
    assertThat(e2e.eventReasons("import-1")).contains("DiskImported");
    assertThat(e2e.get("import-1").getStatus().getMachine())
        .as("the machine type pinned at the first launch, versioned")
        .matches("pc-q35-[0-9]+\\.[0-9]+");
  }

  @Test
  void theStatusShowsTheImportsProgressRisingBeforeTheVmBoots() throws Exception {
    String url = url("slow/test-guest.qcow2");
    e2e.create(
        e2e.vm(
            "import-slow",
            s -> {
              s.setMemory(new Quantity("256Mi"));
              s.getDisks().get(0).setSource(DiskSource.url(url, guestSha256));
            }));
    long imageBytes = Files.size(guestDisk);
    var percents = new java.util.ArrayList<Integer>();
    var messages = new java.util.ArrayList<String>();
    QemuVM ready =
        e2e.await(
            "import-slow",
            "Ready, the import's progress watched on the way",
            BOOT,
            vm -> {
              var imports = vm.getStatus().getDiskImports();
              if (imports != null && vm.getStatus().getRunState() == null) {
                var root = imports.getFirst();
                assertThat(root.getName()).isEqualTo("root");
                assertThat(root.getUrl()).isEqualTo(url);
                assertThat(root.getBytesTotal()).isEqualTo(imageBytes);
                if (root.getPercent() != null
                    && (percents.isEmpty() || !percents.getLast().equals(root.getPercent()))) {
                  percents.add(root.getPercent());
                  messages.add(condition(vm, Conditions.DISKS_READY).orElseThrow().getMessage());
                }
              }
              return isTrue(vm, Conditions.READY);
            });
    System.out.println("import-slow: DisksReady while importing: " + messages);
    assertThat(percents).as("the percent only rises, %s", messages).isSorted();
    assertThat(percents.stream().distinct().count())
        .as("seen rising while QEMU had not run yet: %s", messages)
        .isGreaterThanOrEqualTo(2);
    String total =
        java.util.regex.Pattern.quote(
            String.format(java.util.Locale.ROOT, "%.1f", imageBytes / (double) MIB));
    assertThat(messages)
        .allSatisfy(
            m ->
                assertThat(m)
                    .matches(
                        "disk root: (\\d+% \\([0-9.]+ of "
                            + total
                            + " MiB\\)|verifying \\("
                            + total
                            + " of "
                            + total
                            + " MiB\\)) from "
                            + java.util.regex.Pattern.quote(url)));
    assertThat(ready.getStatus().getDiskImports()).as("gone once imported").isNull();
    assertThat(condition(ready, Conditions.DISKS_READY).orElseThrow().getReason())
        .isEqualTo("Imported");
    assertThat(e2e.eventReasons("import-slow")).contains("DiskImportStarted", "DiskImported");
    assertThat(e2e.awaitConsole("import-slow", TestGuest.READY, BOOT)).contains("SYSLINUX");
  }

  @Test
  void aMissingImageAndAChecksumMismatchFailTheImportAndNothingBoots() throws Exception {
    e2e.create(
        e2e.vm(
            "import-404",
            s -> s.getDisks().get(0).setSource(DiskSource.url(url("missing.qcow2"), null))));
    e2e.create(
        e2e.vm(
            "import-sum",
            s ->
                s.getDisks()
                    .get(0)
                    .setSource(DiskSource.url(url("test-guest.qcow2"), "0".repeat(64)))));

    QemuVM missing = awaitImportFailed("import-404");
    assertThat(condition(missing, Conditions.DISKS_READY).get().getMessage())
        .isEqualTo("HTTP 404 from " + url("missing.qcow2"));
    QemuVM mismatch = awaitImportFailed("import-sum");
    assertThat(condition(mismatch, Conditions.DISKS_READY).get().getMessage())
        .contains("sha256 mismatch", "expected " + "0".repeat(64), "got " + guestSha256);

    // the importer is retried with a back-off; nothing else of the pod ever starts
    Awaitility.await("a few retries")
        .pollDelay(Duration.ofSeconds(3))
        .atMost(Duration.ofSeconds(5))
        .until(() -> true);
    for (String name : new String[] {"import-404", "import-sum"}) {
      QemuVM vm = e2e.get(name);
      assertThat(vm.getStatus().getRunState()).as(name + ": QEMU never ran").isNull();
      assertThat(isTrue(vm, Conditions.READY)).isFalse();
      assertThat(condition(vm, Conditions.READY).get().getReason()).isEqualTo("ImportFailed");
      assertThat(e2e.consoleLog(name)).as(name + ": nothing booted").isEmpty();
      assertThat(e2e.eventReasons(name)).contains("ImportFailed");
      Path folder = e2e.agent().claimFolder(e2e.ns, name + "-root").orElseThrow();
      try (var left = Files.list(folder)) {
        // an attempt in progress (the importer is retried) may be writing source.part; nothing
        // is ever kept under a name the qemu container reads (ImageImportIT: a failed attempt
        // removes its source.part)
        assertThat(left.map(p -> p.getFileName().toString()))
            .as(name + ": no source, no disk image")
            .isSubsetOf("source.part");
      }
    }
  }

  private QemuVM awaitImportFailed(String name) {
    return e2e.await(
        name,
        "DisksReady=False ImportFailed",
        vm ->
            condition(vm, Conditions.DISKS_READY)
                .map(c -> c.getReason().equals("ImportFailed"))
                .orElse(false));
  }

  private String url(String file) {
    return "http://127.0.0.1:" + images.getAddress().getPort() + "/" + file;
  }

  private static String sha256(Path file) throws Exception {
    try (var in = Files.newInputStream(file)) {
      var digest = MessageDigest.getInstance("SHA-256");
      byte[] buffer = new byte[1 << 20];
      for (int n; (n = in.read(buffer)) > 0; ) {
        digest.update(buffer, 0, n);
      }
      return HexFormat.of().formatHex(digest.digest());
    }
  }
}
