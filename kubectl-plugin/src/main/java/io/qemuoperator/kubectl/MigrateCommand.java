package io.qemuoperator.kubectl;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * {@code kubectl qvm migrate NAME [-n NS] [--no-wait]}: creates a QemuVMMigration for the VM and,
 * unless {@code --no-wait}, follows it to its end, printing each phase (with the operator's
 * message) and QEMU's progress while it transfers. The exit code is 0 when it completed, 1 when it
 * failed, was cancelled or refused. Interrupting the command leaves the migration running (delete
 * the request to cancel it). The plugin reads the request as generic JSON: it does not carry the
 * operator's API classes.
 */
final class MigrateCommand {
  static final ResourceDefinitionContext MIGRATIONS =
      new ResourceDefinitionContext.Builder()
          .withGroup("qemu-operator.io")
          .withVersion("v1alpha1")
          .withKind("QemuVMMigration")
          .withPlural("qemuvmmigrations")
          .withNamespaced(true)
          .build();

  private static final List<String> FINAL = List.of("Completed", "Failed", "Cancelled", "Refused");
  private static final Duration POLL = Duration.ofMillis(500);

  private final PrintStream out;
  private final PrintStream err;

  MigrateCommand(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  int run(KubernetesClient client, String vm, String namespace, boolean wait)
      throws InterruptedException {
    var request =
        new GenericKubernetesResourceBuilder()
            .withApiVersion(MIGRATIONS.getGroup() + "/" + MIGRATIONS.getVersion())
            .withKind(MIGRATIONS.getKind())
            .withNewMetadata()
            .withGenerateName(vm + "-migration-")
            .withNamespace(namespace)
            .endMetadata()
            .addToAdditionalProperties("spec", Map.of("vmName", vm))
            .build();
    var requests = client.genericKubernetesResources(MIGRATIONS).inNamespace(namespace);
    String name = requests.resource(request).create().getMetadata().getName();
    out.println("qemuvmmigration/" + name + " created");
    if (!wait) {
      return ConsoleAttach.OK;
    }
    String said = "";
    while (true) {
      GenericKubernetesResource current = requests.withName(name).get();
      if (current == null) {
        err.println("error: qemuvmmigration/" + name + " was deleted");
        return ConsoleAttach.FAILED;
      }
      Map<String, Object> status = map(current.getAdditionalProperties().get("status"));
      String phase = text(status.get("phase"));
      String line = line(phase, status);
      if (!line.isEmpty() && !line.equals(said)) {
        out.println(line);
        said = line;
      }
      if (FINAL.contains(phase)) {
        return phase.equals("Completed") ? ConsoleAttach.OK : ConsoleAttach.FAILED;
      }
      Thread.sleep(POLL);
    }
  }

  /** What to print for the request now: its phase and message, and QEMU's figures while sending. */
  static String line(String phase, Map<String, Object> status) {
    if (phase.isEmpty()) {
      return "";
    }
    var line = new StringBuilder(phase);
    String message = text(status.get("message"));
    if (!message.isEmpty()) {
      line.append(": ").append(message);
    }
    Map<String, Object> progress = map(status.get("progress"));
    if (phase.equals("Transferring") && !progress.isEmpty()) {
      line.append(" [")
          .append(Objects.toString(progress.get("transferred"), "0"))
          .append(" sent, pass ")
          .append(Objects.toString(progress.get("passes"), "0"))
          .append("]");
    }
    return line.toString();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object value) {
    return value instanceof Map<?, ?> map ? (Map<String, Object>) map : Map.of();
  }

  private static String text(Object value) {
    return value == null ? "" : value.toString();
  }
}
