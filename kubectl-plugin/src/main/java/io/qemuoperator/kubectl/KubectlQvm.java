package io.qemuoperator.kubectl;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.LocalPortForward;
import java.io.InputStream;
import java.io.PrintStream;

/**
 * {@code kubectl qvm}: the kubectl plugin for QemuVMs on a real cluster (the executable {@code
 * kubectl-plugin/kubectl-qvm} on the user's PATH).
 *
 * <pre>
 * kubectl qvm console NAME [-n NS]               attach to the VM's serial console (Ctrl-] detaches)
 * kubectl qvm logs NAME [-n NS] [-f] [--bytes N] the console log (boot log included); -f follows
 * kubectl qvm migrate NAME [-n NS] [--no-wait]   move the VM to a new pod (a QemuVMMigration)
 * </pre>
 *
 * <p>It reads the VM's token from its Secret and reaches the sidecar through the API server's
 * port-forward to the VM's pod (Fabric8's {@code portForward}): the user needs {@code get} on the
 * Secret, {@code list} on pods and {@code create} on {@code pods/portforward} in the VM's
 * namespace. The cluster is kubectl's: {@code $KUBECONFIG} or {@code ~/.kube/config}, its current
 * context and namespace unless {@code -n} says otherwise.
 */
public final class KubectlQvm {
  public static final int USAGE = 2;

  private final InputStream in;
  private final PrintStream out;
  private final PrintStream err;
  private final Terminal terminal;

  public KubectlQvm(InputStream in, PrintStream out, PrintStream err, Terminal terminal) {
    this.in = in;
    this.out = out;
    this.err = err;
    this.terminal = terminal;
  }

  public static void main(String[] args) throws InterruptedException {
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    int code;
    try (KubernetesClient client = new KubernetesClientBuilder().build()) {
      code = new KubectlQvm(System.in, System.out, System.err, Terminal.system()).run(client, args);
    }
    System.out.flush();
    System.exit(code);
  }

  /** Runs {@code args} on the cluster of {@code client}; the exit code. */
  public int run(KubernetesClient client, String[] args) throws InterruptedException {
    if (args.length > 0 && args[0].equals("migrate")) {
      return migrate(client, args);
    }
    ConsoleOptions options;
    try {
      options = ConsoleOptions.parse(args, client.getNamespace());
    } catch (IllegalArgumentException e) {
      err.println("error: " + e.getMessage());
      err.println(USAGE_TEXT);
      return USAGE;
    }
    if (options.command().equals("help")) {
      out.println(USAGE_TEXT);
      return ConsoleAttach.OK;
    }
    try {
      VmSidecar sidecar = VmSidecar.find(client, options.namespace(), options.name());
      try (LocalPortForward forward =
          client
              .pods()
              .inNamespace(options.namespace())
              .withName(sidecar.pod().getMetadata().getName())
              .portForward(sidecar.port())) {
        SidecarEndpoint endpoint = sidecar.forwardedTo(forward.getLocalPort());
        int code = options.run(endpoint, in, out, err, terminal);
        if (forward.errorOccurred()) {
          err.println(
              "error: the API server's port-forward to pod "
                  + sidecar.pod().getMetadata().getName()
                  + " failed: "
                  + describe(forward.getServerThrowables())
                  + describe(forward.getClientThrowables()));
          return ConsoleAttach.FAILED;
        }
        return code;
      }
    } catch (VmSidecar.VmNotReachableException e) {
      err.println("error: " + e.getMessage());
      return ConsoleAttach.FAILED;
    } catch (KubernetesClientException e) {
      err.println("error: the API server answered: " + e.getMessage() + cause(e));
      return ConsoleAttach.FAILED;
    } catch (java.io.IOException e) {
      err.println("error: the port-forward failed: " + e.getMessage());
      return ConsoleAttach.FAILED;
    }
  }

  /** {@code migrate NAME [-n NS] [--no-wait]}. */
  private int migrate(KubernetesClient client, String[] args) throws InterruptedException {
    String name = null;
    String namespace = client.getNamespace() == null ? "default" : client.getNamespace();
    boolean wait = true;
    for (int i = 1; i < args.length; i++) {
      switch (args[i]) {
        case "-n", "--namespace" -> {
          if (++i >= args.length) {
            return usage(args[i - 1] + " needs a value");
          }
          namespace = args[i];
        }
        case "--no-wait" -> wait = false;
        default -> {
          if (args[i].startsWith("-") || name != null) {
            return usage("unexpected argument '" + args[i] + "'");
          }
          name = args[i];
        }
      }
    }
    if (name == null) {
      return usage("migrate needs the QemuVM's name");
    }
    try {
      return new MigrateCommand(out, err).run(client, name, namespace, wait);
    } catch (KubernetesClientException e) {
      err.println("error: the API server answered: " + e.getMessage() + cause(e));
      return ConsoleAttach.FAILED;
    }
  }

  private int usage(String problem) {
    err.println("error: " + problem);
    err.println(USAGE_TEXT);
    return USAGE;
  }

  /**
   * The root cause of a failure, when its message does not say it already (e.g. a refused
   * connection).
   */
  private static String cause(Throwable failure) {
    Throwable root = failure;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    if (root == failure
        || (failure.getMessage() != null
            && root.getMessage() != null
            && failure.getMessage().contains(root.getMessage()))) {
      return "";
    }
    return " (" + root + ")";
  }

  private static String describe(java.util.Collection<Throwable> failures) {
    return failures.stream()
        .map(t -> t.getMessage() == null ? t.toString() : t.getMessage())
        .distinct()
        .collect(java.util.stream.Collectors.joining("; "));
  }

  static final String USAGE_TEXT =
      """
      usage: kubectl qvm COMMAND NAME [options]
        console NAME           attach to the QemuVM's serial console (raw terminal; detach with
                               Ctrl-]); one client at a time
        logs NAME [-f] [--bytes N]
                               the serial console's log, boot log included (the last N bytes,
                               default 65536); -f follows it
        migrate NAME [--no-wait]
                               move the running QemuVM to a new pod (creates a QemuVMMigration);
                               follows it to its end, 0 when it completed (--no-wait: only create)
      options: -n/--namespace NS (default: the context's namespace)
      console and logs reach the VM's sidecar through the API server's port-forward with the VM's
      token from its Secret: they need get on secrets, list on pods and create on pods/portforward;
      migrate needs create and get on qemuvmmigrations.""";
}
