package io.qemuoperator.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.qemuoperator.operator.OperatorConfig;
import io.qemuoperator.operator.pod.QemuCommandLine;
import io.qemuoperator.testing.RepoFiles;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The archives hack/images.sh built ({@code QEMU_OPERATOR_IMAGE_ARCHIVES}: the paths it printed),
 * unpacked and run as a pod would run them, without a container engine: their configs are what the
 * definitions say, the files the VM pod needs are there, and each image's program starts as the
 * image's user on a read-only root.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ImageArchivesTest {
  private static final String ARCHIVES = "QEMU_OPERATOR_IMAGE_ARCHIVES";

  private final Map<String, ImageArchive> images = new HashMap<>();
  private Path work;

  @BeforeAll
  void unpack() throws Exception {
    String listed = System.getenv().getOrDefault(ARCHIVES, "");
    assumeThat(listed.isBlank())
        .as(
            "%s unset: run `export %s=$(bash hack/images.sh)` to check the built images",
            ARCHIVES, ARCHIVES)
        .isFalse();
    work = Files.createTempDirectory("image-archives");
    int n = 0;
    for (String archive : listed.strip().split("\\s+")) {
      ImageArchive image = ImageArchive.unpack(Path.of(archive), work.resolve("image-" + n++));
      images.put(image.name(), image);
    }
  }

  @AfterAll
  void remove() throws Exception {
    if (work != null) {
      new ProcessBuilder("rm", "-rf", work.toString()).start().waitFor(60, TimeUnit.SECONDS);
    }
  }

  private ImageArchive image(String name) {
    assertThat(images).as("an archive tagged %s in %s", name, ARCHIVES).containsKey(name);
    return images.get(name);
  }

  @Test
  void javaImagesHaveTheConfigJibWasGiven() throws Exception {
    for (JibImage definition : List.of(ImagesTest.operatorImage(), ImagesTest.sidecarImage())) {
      ImageArchive image = image(definition.image());
      assertThat(image.user()).isEqualTo(definition.user());
      assertThat(image.entrypoint()).isEqualTo(definition.entrypoint());
      assertThat(image.config().path("ExposedPorts").fieldNames())
          .toIterable()
          .containsExactlyElementsOf(definition.ports().stream().map(p -> p + "/tcp").toList());
      assertThat(image.env())
          .contains("JAVA_HOME=/opt/java/openjdk")
          .anyMatch(e -> e.startsWith("PATH=/opt/java/openjdk/bin:"));
    }
  }

  @Test
  void theJreHasTheModulesOfImagesJreModules() throws Exception {
    List<String> wanted =
        Files.readAllLines(RepoFiles.file("images/jre-modules")).stream()
            .filter(l -> !l.isBlank() && !l.startsWith("#"))
            .toList();
    for (JibImage definition : List.of(ImagesTest.operatorImage(), ImagesTest.sidecarImage())) {
      ImageArchive.Result modules =
          image(definition.image()).exec(List.of("java", "--list-modules"));
      assertThat(modules.exitCode()).as(modules.output()).isZero();
      List<String> names =
          modules.output().lines().map(l -> l.replaceAll("@.*", "").strip()).toList();
      assertThat(names).containsAll(wanted);
    }
  }

  @Test
  void operatorStartsAndRegistersItsReconcilerBeforeLookingForItsCluster() throws Exception {
    JibImage definition = ImagesTest.operatorImage();
    var command = new ArrayList<>(definition.entrypoint());
    // no cluster: a closed port on loopback, so it ends at once
    command.addAll(0, List.of("env", "KUBERNETES_MASTER=https://127.0.0.1:1"));
    ImageArchive.Result run = image(definition.image()).exec(command);
    assertThat(run.output())
        .contains("Registered reconciler: 'qemuvm'")
        .contains("ConnectException");
    assertThat(run.exitCode()).as(run.output()).isNotZero();
  }

  @Test
  void sidecarServesHealthOnAReadOnlyRootAsItsUser() throws Exception {
    JibImage definition = ImagesTest.sidecarImage();
    ImageArchive image = image(definition.image());
    int port;
    try (var socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    // the token as the VM pod mounts it (here: written before the root becomes read-only)
    Path token = image.root().resolve("tmp/token");
    Files.writeString(token, "t0ken-for-the-image-test");
    var command = new ArrayList<>(definition.entrypoint());
    command.addAll(
        List.of(
            "--qmp", "/tmp/no-qemu.sock",
            "--listen", "127.0.0.1:" + port,
            "--token-file", "/tmp/token"));
    Process sidecar = image.inImage(command).start();
    var output = new StringBuffer();
    Thread.ofVirtual()
        .start(
            () -> {
              try {
                output.append(new String(sidecar.getInputStream().readAllBytes()));
              } catch (IOException e) {
                output.append(e);
              }
            });
    try (HttpClient http = HttpClient.newHttpClient()) {
      HttpRequest healthz =
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz"))
              .timeout(Duration.ofSeconds(5))
              .build();
      Awaitility.await()
          .atMost(Duration.ofSeconds(90))
          .pollInterval(Duration.ofMillis(500))
          .ignoreExceptions()
          .untilAsserted(
              () -> {
                assertThat(sidecar.isAlive()).as(output.toString()).isTrue();
                assertThat(http.send(healthz, HttpResponse.BodyHandlers.discarding()).statusCode())
                    .isEqualTo(200);
              });
    } finally {
      image.stop(sidecar);
    }
  }

  @Test
  void qemuImageHasWhatTheContainerScriptRuns() throws Exception {
    ImageArchive image = image(OperatorConfig.defaults().qemuImage());
    assertThat(image.user()).isEqualTo(ImagesTest.qemuDockerfileUser());

    ImageArchive.Result qemu = image.exec(List.of(QemuCommandLine.BINARY, "--version"));
    assertThat(qemu.exitCode()).as(qemu.output()).isZero();
    assertThat(qemu.output()).startsWith("QEMU emulator version 7.2");
    ImageArchive.Result img = image.exec(List.of("qemu-img", "--version"));
    assertThat(img.exitCode()).as(img.output()).isZero();
    // the POSIX shell the pod's command is, the tools its script calls, the firmware it copies
    String check =
        "set -e; for t in sh cp mv rm mkdir ln cat qemu-img; do command -v $t; done; "
            + "test -r "
            + QemuCommandLine.OVMF_CODE
            + "; test -r "
            + QemuCommandLine.OVMF_VARS
            + "; id -u; getent group kvm";
    ImageArchive.Result tools = image.exec(List.of("/bin/sh", "-c", check));
    assertThat(tools.exitCode()).as(tools.output()).isZero();
    assertThat(tools.output().lines().toList())
        .contains(ImagesTest.qemuDockerfileUser())
        .as("the runtime gives the user its groups from the image's /etc/group")
        .anyMatch(
            l ->
                l.startsWith("kvm:") && Arrays.asList(l.split(":")[3].split(",")).contains("qemu"));
  }
}
