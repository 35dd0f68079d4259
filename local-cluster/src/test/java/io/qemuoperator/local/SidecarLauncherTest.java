package io.qemuoperator.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
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
        .hasEntrySatisfying(
            "XDG_CACHE_HOME",
            home ->
                assertThat(Path.of(home))
                    .isDirectory()
                    .hasParent(dir.resolve(SidecarLauncher.CACHE)))
        .containsEntry("PATH", "/usr/bin:/bin")
        .containsEntry("QMP_SIDECAR_EXTRA_JAVA_OPTS", "-Dx=y")
        .containsEntry("A", "b")
        .doesNotContainKey("ALLOW_COMMANDS");
  }

  @Test
  void eachBuildOfTheJarHasItsOwnCacheAndTheOldOnesGo() throws Exception {
    Path jar = Files.writeString(dir.resolve("qmp-sidecar.jar"), "one build");
    Map<String, String> env = Map.of(SidecarLauncher.JAR_ENV, jar.toString());
    Path first = Path.of(SidecarLauncher.of(env).inherited().get("XDG_CACHE_HOME"));
    assertThat(Path.of(SidecarLauncher.of(env).inherited().get("XDG_CACHE_HOME")))
        .as("the same build")
        .isEqualTo(first);

    Files.writeString(jar, "another build");
    Path second = Path.of(SidecarLauncher.of(env).inherited().get("XDG_CACHE_HOME"));

    assertThat(second).isNotEqualTo(first).isDirectory();
    assertThat(first).doesNotExist();
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
