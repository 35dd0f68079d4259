package io.qemuoperator.local;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.qemuoperator.kubectl.Terminal;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * {@code local-cluster/qemu-operator-local}: a local cluster ({@link LocalCluster}) and a small
 * kubectl for its QemuVMs.
 *
 * <pre>
 * up [-f PATH]... [--until-ready] [--timeout 120s]   start the cluster, apply, show progress
 * apply -f PATH...                                    create or update QemuVMs
 * get                                                 the QemuVM table
 * describe NAME                                       spec, status, conditions, recent Events
 * delete NAME                                         delete a QemuVM and wait until it is gone
 * restart NAME [--until-ready]                        restart a QemuVM gracefully
 * console NAME                                        attach to its serial console (Ctrl-] detaches)
 * logs NAME [-f] [--bytes N]                          its serial console log; -f follows
 * </pre>
 *
 * <p>This class parses ({@link CliOptions}), dispatches to the command ({@link UpCommand}, {@link
 * ApplyCommand}, {@link GetCommand}, {@link DescribeCommand}, {@link DeleteCommand}, {@link
 * RestartCommand}, {@link ConsoleCommand}) and maps failures to exit codes.
 *
 * <p>{@code up} runs on the cluster of {@code --kubeconfig FILE} (the launcher {@code
 * local-cluster/qemu-operator-local} starts a real kube-apiserver and passes its kubeconfig; {@code
 * --api-server mock} there) or, without it, on Fabric8's mock API server in this process. It writes
 * the server's URL (and the kubeconfig, if any) to a state file ({@code
 * $QEMU_OPERATOR_LOCAL_STATE}, default {@code ~/.cache/qemu-operator/local-cluster}) that the other
 * subcommands read. With {@code --kubeconfig FILE}, every subcommand uses that cluster.
 *
 * <p>Exit codes: 0 done; 1 not every VM became ready in time, or an API error; 2 a usage error or
 * an invalid manifest; 3 QEMU (or the sidecar's jar) is missing.
 */
public final class LocalCli {
  static final int OK = 0;
  static final int NOT_READY = 1;
  static final int USAGE = 2;
  static final int NO_QEMU = 3;

  private final InputStream in;
  private final PrintStream out;
  private final PrintStream err;
  private final Map<String, String> env;
  private final Terminal terminal;

  LocalCli(PrintStream out, PrintStream err, Map<String, String> env) {
    this(InputStream.nullInputStream(), out, err, env, Terminal.none());
  }

  /** With the user's keys on {@code in} for {@code console}, raw mode on {@code terminal}. */
  LocalCli(
      InputStream in,
      PrintStream out,
      PrintStream err,
      Map<String, String> env,
      Terminal terminal) {
    this.in = in;
    this.out = out;
    this.err = err;
    this.env = env;
    this.terminal = terminal;
  }

  public static void main(String[] args) throws Exception {
    String command = args.length == 0 ? "" : args[0];
    if (System.getProperty("org.slf4j.simpleLogger.logFile") == null) {
      if (command.equals("up")) {
        // The operator's log goes to a file: the terminal shows the table.
        Path dir = Files.createTempDirectory("qemu-operator-local-");
        System.setProperty("qemu-operator.local.workDir", dir.toString());
        System.setProperty(
            "org.slf4j.simpleLogger.logFile", dir.resolve("operator.log").toString());
        System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
      } else {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
      }
    }
    int code =
        new LocalCli(System.in, System.out, System.err, System.getenv(), Terminal.system())
            .run(args);
    System.out.flush();
    System.exit(code);
  }

  int run(String[] args) {
    CliOptions options;
    try {
      options = CliOptions.parse(args);
    } catch (IllegalArgumentException e) {
      err.println("error: " + e.getMessage());
      err.println(usage());
      return USAGE;
    }
    try {
      return switch (options.command()) {
        case "up" -> new UpCommand(out, err, env).run(options);
        case "apply" -> onCluster(options, new ApplyCommand(out, err));
        case "get" -> onCluster(options, new GetCommand(out));
        case "describe" -> onCluster(options, new DescribeCommand(out, err));
        case "delete" -> onCluster(options, new DeleteCommand(out, err));
        case "restart" -> onCluster(options, new RestartCommand(out, err));
        case "console", "logs" -> onCluster(options, new ConsoleCommand(in, out, err, terminal));
        case "help", "-h", "--help" -> {
          out.println(usage());
          yield OK;
        }
        default -> {
          err.println("error: unknown command '" + options.command() + "'");
          err.println(usage());
          yield USAGE;
        }
      };
    } catch (StateFile.NoClusterException | IllegalArgumentException e) {
      err.println("error: " + e.getMessage());
      return USAGE;
    } catch (KubernetesClientException e) {
      err.println("error: the API server answered: " + e.getMessage());
      return NOT_READY;
    }
  }

  /** Runs {@code command} on the cluster of {@code --kubeconfig}, else of the state file. */
  private int onCluster(CliOptions options, ClusterCommand command) {
    try (KubernetesClient client = StateFile.of(env).connect(options.kubeconfig())) {
      return command.run(client, options);
    }
  }

  static String usage() {
    return """
        usage: qemu-operator-local COMMAND [options]
          up [-f DIR|FILE]... [--until-ready] [--timeout 120s] [--api-server real|mock]
                          start a local cluster (API server, operator, node agent running real
                          QEMU), apply the manifests, show the VMs until Ctrl-C; with
                          --until-ready, exit 0 once every VM is Ready (non-zero on timeout).
                          real (default): kube-apiserver v1.20 + etcd + kube-controller-manager,
                          started for this run; mock: Fabric8's in-memory mock, in this process
          apply -f DIR|FILE...   create or update QemuVMs (validated first)
          get                    list QemuVMs (NAME PHASE RUNSTATE CPUS MEMORY AGE)
          describe NAME          spec, status, conditions and recent Events of a QemuVM
          delete NAME            delete a QemuVM and wait until it is gone
          restart NAME [--until-ready]
                                 restart a QemuVM gracefully (power-down, grace period, new
                                 QEMU; disks kept): sets the annotation qemu-operator.io/restartedAt
                                 to now, as kubectl rollout restart does; it also applies pending
                                 boot-time changes of a VM with updateStrategy: Manual
          console NAME           attach to the QemuVM's serial console (raw terminal; detach with
                                 Ctrl-]); one client at a time
          logs NAME [-f] [--bytes N]
                                 the serial console's log, boot log included (the last N bytes,
                                 default 65536); -f follows it until Ctrl-C
        options: -n/--namespace NS (default: default), --kubeconfig FILE (a real cluster)
        The other commands reach the cluster of a running 'up' through its state file
        ($QEMU_OPERATOR_LOCAL_STATE, default ~/.cache/qemu-operator/local-cluster).""";
  }
}
