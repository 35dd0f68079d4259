package io.qemuoperator.local;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.api.v1alpha1.QemuVMApi;
import java.io.PrintStream;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * {@code restart NAME [--until-ready]}: asks for a graceful restart, the annotation {@code
 * qemu-operator.io/restartedAt} set to now (a merge patch, so nothing else of the QemuVM is
 * touched). With {@code --until-ready}, waits until the VM runs a new pod (another launch revision)
 * and is Ready again.
 */
record RestartCommand(PrintStream out, PrintStream err) implements ClusterCommand {

  @Override
  public int run(KubernetesClient client, CliOptions options) {
    String name = options.name("restart");
    var resource = client.resources(QemuVM.class).inNamespace(options.namespace()).withName(name);
    QemuVM before = resource.get();
    if (before == null) {
      err.println("error: qemuvm " + name + " not found in namespace " + options.namespace());
      return LocalCli.NOT_READY;
    }
    String at = Instant.now().toString();
    resource.patch(
        PatchContext.of(PatchType.JSON_MERGE),
        "{\"metadata\":{\"annotations\":{\""
            + QemuVMApi.RESTARTED_AT_ANNOTATION
            + "\":\""
            + at
            + "\"}}}");
    out.println(
        "qemuvm/"
            + name
            + " restart requested ("
            + QemuVMApi.RESTARTED_AT_ANNOTATION
            + "="
            + at
            + ")");
    if (!options.untilReady()) {
      return LocalCli.OK;
    }
    String revision = launchRevision(before);
    try {
      resource.waitUntilCondition(
          vm ->
              vm != null
                  && !Objects.equals(launchRevision(vm), revision)
                  && launchRevision(vm) != null
                  && VmTable.isReady(vm),
          options.timeout().toMillis(),
          TimeUnit.MILLISECONDS);
    } catch (KubernetesClientException e) {
      err.println(
          "error: qemuvm "
              + name
              + " not restarted and Ready after "
              + CliOptions.human(options.timeout()));
      return LocalCli.NOT_READY;
    }
    out.println("qemuvm/" + name + " restarted and Ready");
    return LocalCli.OK;
  }

  private static String launchRevision(QemuVM vm) {
    return vm.getStatus() == null || vm.getStatus().getIntent() == null
        ? null
        : vm.getStatus().getIntent().getLaunchRevision();
  }
}
