package io.qemuoperator.local;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.api.v1alpha1.status.Condition;
import io.qemuoperator.operator.pod.VmResources;
import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * {@code describe NAME}: a QemuVM as {@code kubectl describe} shows one: name, age, generation, its
 * pod and the pod's address, spec and status as YAML, the conditions and the last 20 Events as
 * aligned tables.
 */
record DescribeCommand(PrintStream out, PrintStream err) implements ClusterCommand {

  @Override
  public int run(KubernetesClient client, CliOptions options) {
    String name = options.name("describe");
    String namespace = options.namespace();
    QemuVM vm = client.resources(QemuVM.class).inNamespace(namespace).withName(name).get();
    if (vm == null) {
      err.println("error: qemuvm " + name + " not found in namespace " + namespace);
      return LocalCli.NOT_READY;
    }
    Instant now = Instant.now();
    out.println("Name:       " + name);
    out.println("Namespace:  " + namespace);
    out.println("Age:        " + VmTable.age(vm.getMetadata().getCreationTimestamp(), now));
    out.println("Generation: " + vm.getMetadata().getGeneration());
    // the pod's address: where the VM's declared ports answer on the local cluster (no Services)
    client
        .pods()
        .inNamespace(namespace)
        .withLabel(VmResources.LABEL_VM, name)
        .list()
        .getItems()
        .stream()
        .filter(pod -> pod.getMetadata().getDeletionTimestamp() == null)
        .forEach(
            pod ->
                out.println(
                    "Pod:        "
                        + pod.getMetadata().getName()
                        + " "
                        + Optional.ofNullable(pod.getStatus())
                            .map(s -> s.getPodIP())
                            .filter(ip -> ip != null && !ip.isEmpty())
                            .orElse("(no address yet)")));
    out.println("Spec:");
    indent(Serialization.asYaml(vm.getSpec()));
    var status = vm.getStatus();
    if (status == null) {
      out.println("Status:     (none yet)");
    } else {
      var copy = Serialization.clone(status);
      copy.setConditions(null);
      out.println("Status:");
      indent(Serialization.asYaml(copy));
      out.println("Conditions:");
      List<List<String>> rows = new ArrayList<>();
      rows.add(List.of("TYPE", "STATUS", "REASON", "MESSAGE"));
      for (Condition c : Optional.ofNullable(status.getConditions()).orElse(List.of())) {
        rows.add(
            List.of(
                c.getType(),
                c.getStatus(),
                Optional.ofNullable(c.getReason()).orElse(""),
                Optional.ofNullable(c.getMessage()).orElse("")));
      }
      columns(rows).forEach(line -> out.println("  " + line));
    }
    events(client, namespace, name, now);
    return LocalCli.OK;
  }

  private void events(KubernetesClient client, String namespace, String name, Instant now) {
    List<Event> events =
        client.v1().events().inNamespace(namespace).list().getItems().stream()
            .filter(e -> name.equals(e.getInvolvedObject().getName()))
            .filter(e -> "QemuVM".equals(e.getInvolvedObject().getKind()))
            .sorted(Comparator.comparing(e -> Optional.ofNullable(e.getLastTimestamp()).orElse("")))
            .toList();
    out.println("Events:" + (events.isEmpty() ? "  <none>" : ""));
    if (events.isEmpty()) {
      return;
    }
    List<List<String>> rows = new ArrayList<>();
    rows.add(List.of("TYPE", "REASON", "AGE", "MESSAGE"));
    for (Event e : events.subList(Math.max(0, events.size() - 20), events.size())) {
      rows.add(
          List.of(
              e.getType(),
              e.getReason(),
              // as kubectl describe: "5m (x3 over 12m)" for an Event that happened three times
              e.getCount() == null || e.getCount() <= 1
                  ? VmTable.age(e.getLastTimestamp(), now)
                  : VmTable.age(e.getLastTimestamp(), now)
                      + " (x"
                      + e.getCount()
                      + " over "
                      + VmTable.age(e.getFirstTimestamp(), now)
                      + ")",
              e.getMessage()));
    }
    columns(rows).forEach(line -> out.println("  " + line));
  }

  private void indent(String yaml) {
    yaml.lines().filter(l -> !l.equals("---")).forEach(l -> out.println("  " + l));
  }

  /** The rows in columns three spaces apart, the last column unpadded. */
  private static List<String> columns(List<List<String>> rows) {
    int[] widths = new int[rows.get(0).size()];
    for (List<String> row : rows) {
      for (int i = 0; i < row.size(); i++) {
        widths[i] = Math.max(widths[i], String.valueOf(row.get(i)).length());
      }
    }
    List<String> lines = new ArrayList<>();
    for (List<String> row : rows) {
      var line = new StringBuilder();
      for (int i = 0; i < row.size(); i++) {
        String cell = String.valueOf(row.get(i));
        line.append(i == row.size() - 1 ? cell : cell + " ".repeat(widths[i] - cell.length() + 3));
      }
      lines.add(line.toString().stripTrailing());
    }
    return lines;
  }
}
