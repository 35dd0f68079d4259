package io.qemuoperator.local;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.qemuoperator.api.v1alpha1.QemuVM;
import java.io.PrintStream;
import java.util.concurrent.TimeUnit;

/**
 * {@code delete NAME}: deletes a QemuVM and waits, up to {@code --timeout}, until it is gone (its
 * finalizer powers the guest down first).
 */
record DeleteCommand(PrintStream out, PrintStream err) implements ClusterCommand {

  @Override
  public int run(KubernetesClient client, CliOptions options) {
    String name = options.name("delete");
    var resource = client.resources(QemuVM.class).inNamespace(options.namespace()).withName(name);
    if (resource.get() == null) {
      err.println("error: qemuvm " + name + " not found in namespace " + options.namespace());
      return LocalCli.NOT_READY;
    }
    resource.delete();
    try {
      resource.waitUntilCondition(
          vm -> vm == null, options.timeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (KubernetesClientException e) {
      err.println(
          "error: qemuvm "
              + name
              + " still there after "
              + CliOptions.human(options.timeout())
              + " (finalizer)");
      return LocalCli.NOT_READY;
    }
    out.println("qemuvm/" + name + " deleted");
    return LocalCli.OK;
  }
}
