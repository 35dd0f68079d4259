package io.qemuoperator.local;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.qemuoperator.operator.pod.VmResources;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A VM pod's containers as this machine runs them, the pod's paths mapped to this machine's: the
 * QMP emptyDir to the pod's folder, every path below a claim's mount (e.g. {@code
 * /var/lib/qemu-operator/disks/root/disk.qcow2}) below its volume's folder, the token to the pod's
 * copy. Mounts are matched with their trailing slash, so disk {@code root} never takes {@code
 * root2}'s path.
 *
 * @param qemuScript the qemu container's script, with this machine's QEMU and a second, independent
 *     QMP monitor ({@code observer.sock}) for tests
 * @param sidecarArgs the sidecar container's arguments; it listens on {@code 0.0.0.0:PORT}, which
 *     the node agent replaces with the pod's address
 * @param sidecarEnv the sidecar container's env (plain values only)
 * @param sidecarPort the port of its {@code --listen} flag (the sidecar's default without one)
 * @param initContainers the pod's init containers, in order: each runs the sidecar's image (the
 *     only image besides QEMU's that runs here), e.g. the disk importer (which listens on the pod's
 *     address, and reads the pod's token file, as the sidecar does)
 * @param forwardsPorts whether the qemu container declares ports: QEMU then forwards them on the
 *     pod's address, which must be chosen before QEMU starts
 * @param readiness the qemu container's HTTP readiness probe, when it has one
 */
record ContainerCommands(
    String qemuScript,
    List<String> sidecarArgs,
    Map<String, String> sidecarEnv,
    int sidecarPort,
    List<InitContainer> initContainers,
    boolean forwardsPorts,
    Optional<HttpProbe> readiness) {

  /**
   * An HTTP readiness probe: the port (resolved from its name), the path, its period and failure
   * threshold.
   */
  record HttpProbe(int port, String path, Duration period, int failureThreshold) {}

  /**
   * An init container run with the sidecar's launcher: its arguments (paths mapped), env, and the
   * file its termination message goes to (its {@code terminationMessagePath} in the pod's folder,
   * handed to the program as {@code --termination-log} after its first argument, the subcommand).
   */
  record InitContainer(
      String name, List<String> args, Map<String, String> env, Path terminationLog) {
    InitContainer {
      args = List.copyOf(args);
      env = Map.copyOf(env);
    }

    /** Its arguments with the pod's {@code address} for {@code 0.0.0.0} (the importer's listen). */
    List<String> args(String address) {
      return args.stream().map(arg -> arg.replace("0.0.0.0:", address + ":")).toList();
    }
  }

  /** A sidecar listens on the port of its {@code --listen} flag; without one, on its default. */
  static final int SIDECAR_DEFAULT_PORT = 9443;

  ContainerCommands {
    sidecarArgs = List.copyOf(sidecarArgs);
    sidecarEnv = Map.copyOf(sidecarEnv);
    initContainers = List.copyOf(initContainers);
  }

  /**
   * The qemu container's volumes this machine keeps in the pod's folder, by mount path: every
   * emptyDir and Secret the qemu container mounts (the QMP folder is mapped on its own), each to
   * {@code <pod folder>/<volume name>}. The node agent writes a Secret's items there.
   */
  static Map<String, Path> podFolders(Pod pod, Path dir) {
    Map<String, Path> folders = new HashMap<>();
    Map<String, Volume> volumes = new HashMap<>();
    for (Volume volume : pod.getSpec().getVolumes()) {
      volumes.put(volume.getName(), volume);
    }
    for (VolumeMount mount : container(pod, VmResources.QEMU_CONTAINER).getVolumeMounts()) {
      Volume volume = volumes.get(mount.getName());
      if (volume == null || mount.getMountPath().equals(VmResources.QMP_DIR.toString())) {
        continue;
      }
      if (volume.getEmptyDir() != null || volume.getSecret() != null) {
        folders.put(mount.getMountPath(), dir.resolve(volume.getName()));
      }
    }
    return Map.copyOf(folders);
  }

  /**
   * The containers of {@code pod} with its folder {@code dir}, {@code claimFolders} (the folder of
   * each claim's volume, by where the pod mounts it), this machine's QEMU and the pod's token file.
   */
  static ContainerCommands of(
      Pod pod, Path dir, Map<String, Path> claimFolders, String qemuBinary, Path tokenFile) {
    var mounts = new HashMap<>(claimFolders);
    mounts.putAll(podFolders(pod, dir));
    var paths = new Paths(dir, mounts);
    Container qemu = container(pod, VmResources.QEMU_CONTAINER);
    String qemuScript =
        paths
                .map(container(pod, VmResources.QEMU_CONTAINER).getCommand().get(2))
                .replace("exec qemu-system-x86_64", "exec " + qemuBinary)
                .stripTrailing()
            + " -chardev socket,id=observer,path="
            + dir.resolve("observer.sock")
            + ",server=on,wait=off -mon chardev=observer,mode=control\n";
    Container sidecar = container(pod, VmResources.SIDECAR_CONTAINER);
    List<String> args = new ArrayList<>();
    for (String arg : sidecar.getArgs()) {
      args.add(paths.map(arg).replace(VmResources.TOKEN_FILE.toString(), tokenFile.toString()));
    }
    Map<String, String> env = env(sidecar, paths);
    List<InitContainer> inits = new ArrayList<>();
    for (Container init :
        pod.getSpec().getInitContainers() == null
            ? List.<Container>of()
            : pod.getSpec().getInitContainers()) {
      if (!java.util.Objects.equals(init.getImage(), sidecar.getImage())) {
        throw new IllegalArgumentException(
            "init container "
                + init.getName()
                + ": only the sidecar's image ("
                + sidecar.getImage()
                + ") runs as an init container here, not "
                + init.getImage());
      }
      Path terminationLog = dir.resolve(init.getName() + ".termination-log");
      List<String> initArgs = new ArrayList<>();
      List<String> declared = init.getArgs() == null ? List.of() : init.getArgs();
      for (int i = 0; i < declared.size(); i++) {
        initArgs.add(
            paths
                .map(declared.get(i))
                .replace(VmResources.TOKEN_FILE.toString(), tokenFile.toString()));
        if (i == 0) {
          initArgs.addAll(List.of("--termination-log", terminationLog.toString()));
        }
      }
      inits.add(new InitContainer(init.getName(), initArgs, env(init, paths), terminationLog));
    }
    boolean forwards = qemu.getPorts() != null && !qemu.getPorts().isEmpty();
    return new ContainerCommands(
        qemuScript, args, env, listenPort(args), inits, forwards, readiness(qemu));
  }

  private static Map<String, String> env(Container container, Paths paths) {
    Map<String, String> env = new HashMap<>();
    for (EnvVar variable : container.getEnv() == null ? List.<EnvVar>of() : container.getEnv()) {
      if (variable.getValue() == null) {
        throw new IllegalArgumentException(
            "env "
                + variable.getName()
                + " of container "
                + container.getName()
                + ": only plain values run here");
      }
      env.put(variable.getName(), paths.map(variable.getValue()));
    }
    return env;
  }

  /** The qemu container's HTTP readiness probe, its port resolved from the container's ports. */
  private static Optional<HttpProbe> readiness(Container qemu) {
    Probe probe = qemu.getReadinessProbe();
    if (probe == null || probe.getHttpGet() == null) {
      return Optional.empty();
    }
    IntOrString port = probe.getHttpGet().getPort();
    int number =
        port.getIntVal() != null
            ? port.getIntVal()
            : qemu.getPorts().stream()
                .filter(p -> port.getStrVal().equals(p.getName()))
                .map(ContainerPort::getContainerPort)
                .findFirst()
                .orElseThrow(
                    () ->
                        new IllegalArgumentException(
                            "readiness probe port " + port.getStrVal() + " is not declared"));
    return Optional.of(
        new HttpProbe(
            number,
            probe.getHttpGet().getPath() == null ? "/" : probe.getHttpGet().getPath(),
            Duration.ofSeconds(probe.getPeriodSeconds() == null ? 10 : probe.getPeriodSeconds()),
            probe.getFailureThreshold() == null ? 3 : probe.getFailureThreshold()));
  }

  /** The sidecar's arguments with {@code address} for the address it listens on. */
  List<String> sidecarArgs(String address) {
    return sidecarArgs.stream().map(arg -> arg.replace("0.0.0.0:", address + ":")).toList();
  }

  private static Container container(Pod pod, String name) {
    return NodeAgent.container(pod, name);
  }

  /** The port of {@code --listen HOST:PORT} (or {@code --listen=HOST:PORT}). */
  private static int listenPort(List<String> args) {
    for (int i = 0; i < args.size(); i++) {
      String listen =
          args.get(i).startsWith("--listen=")
              ? args.get(i).substring("--listen=".length())
              : args.get(i).equals("--listen") && i + 1 < args.size() ? args.get(i + 1) : null;
      if (listen != null) {
        return Integer.parseInt(listen.substring(listen.lastIndexOf(':') + 1));
      }
    }
    return SIDECAR_DEFAULT_PORT;
  }

  /**
   * The pod's folder and its mounts' folders (claims, emptyDirs, Secrets), by mount path. A mount
   * path is matched followed by '/' or where it ends a word (a folder QEMU is given as {@code
   * dir=PATH,…}), so disk {@code root} never takes {@code root2}'s path.
   */
  private record Paths(Path dir, Map<String, Path> mounts) {
    String map(String text) {
      String mapped = text.replace(VmResources.QMP_DIR.toString(), dir.resolve("qmp").toString());
      for (var mount : mounts.entrySet()) {
        mapped =
            mapped.replaceAll(
                java.util.regex.Pattern.quote(mount.getKey()) + "(?=[/,' \\n]|$)",
                java.util.regex.Matcher.quoteReplacement(mount.getValue().toString()));
      }
      return mapped;
    }
  }
}
