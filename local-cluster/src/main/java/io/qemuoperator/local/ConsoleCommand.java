package io.qemuoperator.local;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.qemuoperator.kubectl.ConsoleOptions;
import io.qemuoperator.kubectl.Terminal;
import io.qemuoperator.kubectl.VmSidecar;
import java.io.InputStream;
import java.io.PrintStream;

/**
 * {@code console NAME} and {@code logs NAME [-f] [--bytes N]}: the VM's serial console, attached
 * (raw terminal, Ctrl-] detaches), or its log; through the VM's sidecar with the token from its
 * Secret, as {@code kubectl qvm} does, but at the pod's own address (the local cluster's pods run
 * on this machine's loopback addresses: no port-forward needed, and the node agent serves none).
 */
record ConsoleCommand(InputStream in, PrintStream out, PrintStream err, Terminal terminal)
    implements ClusterCommand {

  @Override
  public int run(KubernetesClient client, CliOptions options) {
    String name = options.name(options.command());
    var console =
        new ConsoleOptions(
            options.command(), name, options.namespace(), options.follow(), options.bytes());
    try {
      VmSidecar sidecar = VmSidecar.find(client, options.namespace(), name);
      return console.run(sidecar.direct(), in, out, err, terminal);
    } catch (VmSidecar.VmNotReachableException e) {
      err.println("error: " + e.getMessage());
      return LocalCli.NOT_READY;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return LocalCli.OK;
    }
  }
}
