package io.qemuoperator.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sidecar's command line and environment, as a container would get them. */
class SidecarLauncherTest {
  @TempDir Path dir;

  @Test
  void theLauncherScriptRunsTheGivenJarWithThisJavaAndACleanEnvironment() throws Exception {
    Path jar = Files.createFile(dir.resolve("qmp-sidecar.jar"));
    var launcher =
        SidecarLauncher.of(
            Map.of(
                SidecarLauncher.JAR_ENV,
                jar.toString(),
                "PATH",
                "/usr/bin:/bin",
                "ALLOW_COMMANDS",
                "quit",
                "QMP_SIDECAR_EXTRA_JAVA_OPTS",
                "-Dx=y"));

    ProcessBuilder command =
        launcher.command(List.of("--qmp", "/q.sock"), Map.of("A", "b"), dir.resolve("log"));

    assertThat(command.command().get(0)).endsWith("qmp-sidecar/bin/qmp-sidecar");
    assertThat(command.command()).endsWith("--qmp", "/q.sock");
    assertThat(command.environment())
        .containsEntry("QMP_SIDECAR_JAR", jar.toString())
        .containsEntry("JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString())
        .containsEntry("PATH", "/usr/bin:/bin")
        .containsEntry("QMP_SIDECAR_EXTRA_JAVA_OPTS", "-Dx=y")
        .containsEntry("A", "b")
        .doesNotContainKey("ALLOW_COMMANDS");
  }

  @Test
  void theScriptKeepsOneClassDataArchivePerBuildOfTheJar() throws Exception {
    Path jar = Files.writeString(dir.resolve("qmp-sidecar.jar"), "one build");
    Path cache = Files.createDirectories(dir.resolve("cache"));
    String first = archiveOf(jar, cache);
    assertThat(archiveOf(jar, cache)).as("the same build").isEqualTo(first);
    Files.writeString(Path.of(first), "an archive");

    Files.writeString(jar, "another, longer build");
    String second = archiveOf(jar, cache);

    assertThat(second).isNotEqualTo(first).startsWith(cache.resolve("qemu-operator").toString());
    assertThat(Path.of(first)).as("the earlier build's archive").doesNotExist();
  }

  @Test
  void archivesOfOtherJarsUntouchedForTwoDaysGoAndRecentOnesStay() throws Exception {
    Path jar = Files.writeString(dir.resolve("qmp-sidecar.jar"), "a build");
    Path cache = Files.createDirectories(dir.resolve("cache").resolve("qemu-operator"));
    Path stale = Files.writeString(cache.resolve("qmp-sidecar-1-2-3.jsa"), "a removed checkout's");
    Path legacy = Files.writeString(cache.resolve("qmp-sidecar.jsa"), "an older launcher's");
    Path recent = Files.writeString(cache.resolve("qmp-sidecar-4-5-6.jsa"), "another checkout's");
    var threeDaysAgo =
        java.nio.file.attribute.FileTime.from(
            java.time.Instant.now().minus(java.time.Duration.ofDays(3)));
    Files.setLastModifiedTime(stale, threeDaysAgo);
    Files.setLastModifiedTime(legacy, threeDaysAgo);

    archiveOf(jar, cache.getParent());

    assertThat(stale).doesNotExist();
    assertThat(legacy).doesNotExist();
    assertThat(recent).exists();
  }

  /**
   * Sidecars that start together all write the class-data archive at exit, into one file; a JVM
   * that then maps an archive garbled by two writers crashed at start (CI, once). The launcher has
   * the JVM check the archive's checksums: a garbled one is ignored (and written anew).
   */
  @Test
  void aGarbledClassDataArchiveIsIgnoredNotFatal() throws Exception {
    Path jar =
        SidecarLauncher.repositoryRoot()
            .resolve("qmp-sidecar/sidecar-server/target/qmp-sidecar.jar");
    assertThat(jar).as("the sidecar's jar (built before this module)").isRegularFile();
    Path cache = Files.createDirectories(dir.resolve("cache"));
    assertThat(runSidecar(jar, cache))
        .as("first start, the archive written at exit")
        .contains("usage:");
    Path archive = Path.of(archiveOf(jar, cache));
    assertThat(archive).isRegularFile();
    byte[] bytes = Files.readAllBytes(archive);
    var random = new java.util.Random(1);
    for (int i = bytes.length / 3; i < bytes.length / 3 + bytes.length / 4; i++) {
      bytes[i] = (byte) random.nextInt(256);
    }
    Files.write(archive, bytes);

    assertThat(runSidecar(jar, cache))
        .as("a start with the garbled archive")
        .contains("usage:")
        .doesNotContain("JNI error", "InternalError", "BootstrapMethodError");
  }

  /** Runs the launcher with no flags (the sidecar prints its usage, exit 2); what it printed. */
  private static String runSidecar(Path jar, Path cache) throws Exception {
    var script = SidecarLauncher.repositoryRoot().resolve(SidecarLauncher.SCRIPT);
    var process = new ProcessBuilder(script.toString());
    process
        .environment()
        .put("JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
    process.environment().put("QMP_SIDECAR_JAR", jar.toString());
    process.environment().put("XDG_CACHE_HOME", cache.toString());
    process.environment().remove("QMP_SIDECAR_JAVA_OPTS");
    process.redirectErrorStream(true);
    Process run = process.start();
    String out = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(run.waitFor()).as(out).isEqualTo(2);
    return out;
  }

  /** The archive the launcher script gives java for {@code jar} (java replaced by echo). */
  private static String archiveOf(Path jar, Path cache) throws Exception {
    var script = SidecarLauncher.repositoryRoot().resolve(SidecarLauncher.SCRIPT);
    var process = new ProcessBuilder(script.toString(), "--qmp", "/q.sock");
    process.environment().put("JAVA", "echo");
    process.environment().put("QMP_SIDECAR_JAR", jar.toString());
    process.environment().put("XDG_CACHE_HOME", cache.toString());
    process.environment().remove("QMP_SIDECAR_JAVA_OPTS");
    process.redirectErrorStream(true);
    Process run = process.start();
    String line = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertThat(run.waitFor()).as(line).isZero();
    return Stream.of(line.split(" "))
        .filter(arg -> arg.startsWith("-XX:SharedArchiveFile="))
        .map(arg -> arg.substring("-XX:SharedArchiveFile=".length()))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no archive in: " + line));
  }

  @Test
  void aMissingJarSaysHowToBuildIt() {
    assertThatThrownBy(
            () ->
                SidecarLauncher.of(
                    Map.of(SidecarLauncher.JAR_ENV, dir.resolve("none.jar").toString())))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("mvn -pl local-cluster -am package");
  }
}
