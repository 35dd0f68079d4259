package io.qemuoperator.local;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.qemuoperator.api.v1alpha1.QemuVM;
import java.io.PrintStream;
import java.time.Instant;

/**
 * {@code get}: the namespace's QemuVMs as {@code kubectl get qvm} prints them ({@link VmTable}).
 */
record GetCommand(PrintStream out) implements ClusterCommand {

  @Override
  public int run(KubernetesClient client, CliOptions options) {
    var vms = client.resources(QemuVM.class).inNamespace(options.namespace()).list().getItems();
    VmTable.format(VmTable.rows(vms, Instant.now())).forEach(out::println);
    return LocalCli.OK;
  }
}
