package io.qemuoperator.local;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.qemuoperator.operator.pod.VmResources;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

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
 */
record ContainerCommands(
    String qemuScript, List<String> sidecarArgs, Map<String, String> sidecarEnv, int sidecarPort) {

  /** A sidecar listens on the port of its {@code --listen} flag; without one, on its default. */
  static final int SIDECAR_DEFAULT_PORT = 9443;

  ContainerCommands {
    sidecarArgs = List.copyOf(sidecarArgs);
    sidecarEnv = Map.copyOf(sidecarEnv);
  }

  /**
   * The containers of {@code pod} with its folder {@code dir}, {@code claimFolders} (the folder of
   * each claim's volume, by where the pod mounts it), this machine's QEMU and the pod's token file.
   */
  static ContainerCommands of(
      Pod pod, Path dir, Map<String, Path> claimFolders, String qemuBinary, Path tokenFile) {
    var paths = new Paths(dir, claimFolders);
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
    Map<String, String> env = new HashMap<>();
    for (EnvVar variable : sidecar.getEnv()) {
      if (variable.getValue() == null) {
        throw new IllegalArgumentException(
            "env " + variable.getName() + " of the sidecar: only plain values run here");
      }
      env.put(variable.getName(), paths.map(variable.getValue()));
    }
    return new ContainerCommands(qemuScript, args, env, listenPort(args));
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

  /** The pod's folder and its claims' folders, by mount path. */
  private record Paths(Path dir, Map<String, Path> claimFolders) {
    String map(String text) {
      String mapped = text.replace(VmResources.QMP_DIR.toString(), dir.resolve("qmp").toString());
      for (var mount : claimFolders.entrySet()) {
        mapped = mapped.replace(mount.getKey() + "/", mount.getValue() + "/");
      }
      return mapped;
    }
  }
}
