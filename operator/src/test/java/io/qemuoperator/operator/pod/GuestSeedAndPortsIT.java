package io.qemuoperator.operator.pod;

import static org.assertj.core.api.Assertions.assertThat;

import io.qemuoperator.api.v1alpha1.spec.PortProtocol;
import io.qemuoperator.testing.RawQmp;
import io.qemuoperator.testing.TestGuest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The container script with a cloud-init seed and a declared port, run as the pod's qemu container
 * runs it, boots the test guest ({@link TestGuest}, TCG): the guest finds the seed (QEMU's vvfat
 * disk labelled CIDATA), takes its hostname from meta-data and runs the user-data that came from a
 * Secret's file, and answers on the declared port of the forward address, as a pod's IP would.
 */
class GuestSeedAndPortsIT {
  private static final Duration BOOT = Duration.ofSeconds(120); // TCG on a loaded machine

  @TempDir Path dir;

  @Test
  void theGuestTakesItsHostnameAndUserDataFromTheSeedAndAnswersOnTheDeclaredPort()
      throws Exception {
    Path secretFile =
        Files.writeString(
            Files.createDirectories(dir.resolve("secret")).resolve("user-data"),
            "#!/bin/sh\necho \"user-data from a Secret ran\" > /run/from-secret\n");
    var vm =
        new VmLaunch(
            "seed-vm",
            "3d1b6f7a-9a0b-4a43-8f3e-6f1c2a520d3e",
            1,
            256L << 20,
            List.of(),
            dir.resolve("qmp.sock"),
            VmLaunch.Boot.BIOS_Q35,
            Optional.of(
                new VmLaunch.Seed(
                    dir.resolve("cidata"),
                    VmLaunch.Seed.metaData("3d1b6f7a-9a0b-4a43-8f3e-6f1c2a520d3e", "seed-vm"),
                    new VmLaunch.Content.File(secretFile),
                    Optional.empty())),
            List.of(new VmLaunch.Port("http", 80, PortProtocol.TCP)),
            false,
            List.of());
    // a loopback address of its own, as a pod of the local cluster has
    var random = ThreadLocalRandom.current();
    String address = "127.0." + random.nextInt(100, 250) + "." + random.nextInt(2, 250);
    Path serial = vm.consoleLog(); // the serial console, as the pod's QEMU logs it
    String script =
        QemuCommandLine.containerScript(vm)
                .replace(
                    "exec " + QemuCommandLine.BINARY,
                    "exec " + System.getenv().getOrDefault("QEMU_SYSTEM", QemuCommandLine.BINARY))
                .stripTrailing()
            + " "
            + TestGuest.find().bootArgs().stream()
                .map(QemuCommandLine::shellQuote)
                .collect(Collectors.joining(" "))
            + "\n";
    var builder =
        new ProcessBuilder("sh", "-c", script)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("qemu.log").toFile());
    builder.environment().put(QemuCommandLine.FORWARD_ADDRESS_VARIABLE, address);
    Process qemu = builder.start();
    try {
      Awaitility.await("QMP socket")
          .atMost(Duration.ofSeconds(20))
          .until(() -> Files.exists(vm.qmpSocket()) || !qemu.isAlive());
      assertThat(qemu.isAlive()).as(Files.readString(dir.resolve("qemu.log"))).isTrue();
      try (var qmp = RawQmp.connect(vm.qmpSocket())) {
        qmp.execute("cont", null); // the pod's QEMU starts stopped; the operator sends cont
      }
      Awaitility.await("the guest's ready line")
          .atMost(BOOT)
          .pollInterval(Duration.ofMillis(200))
          .until(() -> Files.exists(serial) && Files.readString(serial).contains(TestGuest.READY));
      assertThat(Files.readString(serial))
          .as("the hostname is the VM's name, from the seed's meta-data")
          .contains(TestGuest.READY + ": seed-vm ");

      var http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      HttpResponse<String> answer =
          http.send(
              HttpRequest.newBuilder(
                      URI.create("http://" + address + ":80/cgi-bin/cat?/run/from-secret"))
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(answer.statusCode())
          .as("the guest's port 80 through the forward on " + address)
          .isEqualTo(200);
      assertThat(answer.body()).isEqualTo("user-data from a Secret ran\n");
      String hostname =
          http.send(
                  HttpRequest.newBuilder(
                          URI.create(
                              "http://" + address + ":80/cgi-bin/cat?/proc/sys/kernel/hostname"))
                      .timeout(Duration.ofSeconds(10))
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      assertThat(hostname).isEqualTo("seed-vm\n");
    } finally {
      qemu.destroyForcibly();
      qemu.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
