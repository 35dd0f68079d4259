package io.qemuoperator.local;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How this machine runs a VM pod's sidecar container: the repository's launcher script {@code
 * qmp-sidecar/bin/qmp-sidecar} (the JVM flags the sidecar ships with) on the shaded jar, with the
 * java of this JVM. The jar is {@code $QEMU_OPERATOR_SIDECAR_JAR} when set (Failsafe sets it), else
 * the repository's build, {@code qmp-sidecar/sidecar-server/target/qmp-sidecar.jar}.
 *
 * <p>The process gets a clean environment, as a container does: {@code PATH} and {@code HOME}, the
 * launcher's own variables ({@code JAVA}, {@code QMP_SIDECAR_JAR}, and {@code
 * QMP_SIDECAR_*JAVA_OPTS} when this process has them) and the container's env. Nothing else leaks
 * in, e.g. no {@code ALLOW_COMMANDS} from the caller's shell. The launcher keeps its class-data
 * archive per build of the jar, in {@code $XDG_CACHE_HOME/qemu-operator/}.
 */
record SidecarLauncher(Path script, Path jar, Path java, Map<String, String> inherited) {
  static final String JAR_ENV = "QEMU_OPERATOR_SIDECAR_JAR";
  static final String SCRIPT = "qmp-sidecar/bin/qmp-sidecar";
  static final String BUILT_JAR = "qmp-sidecar/sidecar-server/target/qmp-sidecar.jar";

  /** What the caller's environment hands on to the launcher script, when set. */
  private static final List<String> PASSED_ON =
      List.of(
          "PATH", "HOME", "XDG_CACHE_HOME", "QMP_SIDECAR_JAVA_OPTS", "QMP_SIDECAR_EXTRA_JAVA_OPTS");

  SidecarLauncher {
    inherited = Map.copyOf(inherited);
  }

  /**
   * The launcher of this repository, the jar {@code env} names or the built one, and this JVM's
   * java; an {@link IllegalStateException} saying how to build what is missing.
   */
  static SidecarLauncher of(Map<String, String> env) {
    Path root = repositoryRoot();
    Path jar =
        Optional.ofNullable(env.get(JAR_ENV))
            .filter(value -> !value.isBlank())
            .map(Path::of)
            .orElse(root.resolve(BUILT_JAR));
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(
          "no sidecar jar at "
              + jar
              + ": build it with 'mvn -pl local-cluster -am package' (local-cluster/qemu-operator-local"
              + " does)");
    }
    Map<String, String> inherited = new HashMap<>();
    for (String name : PASSED_ON) {
      Optional.ofNullable(env.get(name)).ifPresent(value -> inherited.put(name, value));
    }
    return new SidecarLauncher(
        root.resolve(SCRIPT),
        jar,
        Path.of(System.getProperty("java.home"), "bin", "java"),
        inherited);
  }

  /**
   * The repository this class was built in: above its jar or classes folder ({@code
   * local-cluster/target/...}), else above the working directory; the first folder that holds the
   * launcher script.
   */
  static Path repositoryRoot() {
    List<Path> starts = new ArrayList<>();
    try {
      var source = SidecarLauncher.class.getProtectionDomain().getCodeSource();
      if (source != null) {
        starts.add(Path.of(source.getLocation().toURI()).toAbsolutePath());
      }
    } catch (URISyntaxException | IllegalArgumentException notAFile) {
      // not loaded from a file: the working directory alone
    }
    starts.add(Path.of("").toAbsolutePath());
    for (Path start : starts) {
      for (Path dir = start; dir != null; dir = dir.getParent()) {
        if (Files.isRegularFile(dir.resolve(SCRIPT))) {
          return dir;
        }
      }
    }
    throw new IllegalStateException(
        "no " + SCRIPT + " above " + starts + ": run the local cluster from this repository");
  }

  /**
   * The sidecar started with {@code args} and the container's {@code env}, stdout and stderr
   * appended to {@code log}.
   */
  ProcessBuilder command(List<String> args, Map<String, String> env, Path log) {
    List<String> command = new ArrayList<>();
    command.add(script.toString());
    command.addAll(args);
    var builder =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    Map<String, String> environment = builder.environment();
    environment.clear();
    environment.putAll(inherited);
    environment.put("JAVA", java.toString());
    environment.put("QMP_SIDECAR_JAR", jar.toString());
    environment.putAll(env);
    return builder;
  }
}
