package io.qemuoperator.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.api.v1alpha1.status.QemuVMStatus;
import io.qemuoperator.local.VmTable;
import java.util.ArrayList;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every change of a QemuVM's status in a namespace, seen through a watch (the benchmark's own), by
 * the phase it wrote: {@code "Pending"}, {@code "Running"}; when the phase stayed, what changed:
 * {@code "Running again (Synced reason)"}. The API server counts the writes; this says what each
 * one wrote.
 */
public final class StatusWrites implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final Map<String, QemuVMStatus> last = new ConcurrentHashMap<>();
  private final Map<String, Long> byPhase = new ConcurrentHashMap<>();
  private final Map<String, Long> readyAt = new ConcurrentHashMap<>();
  private final Watch watch;

  public StatusWrites(KubernetesClient client, String namespace) {
    watch =
        client
            .resources(QemuVM.class)
            .inNamespace(namespace)
            .watch(
                new Watcher<>() {
                  @Override
                  public void eventReceived(Action action, QemuVM vm) {
                    String name = vm.getMetadata().getName();
                    if (action == Action.DELETED) {
                      last.remove(name);
                      return;
                    }
                    QemuVMStatus status = vm.getStatus();
                    if (VmTable.isReady(vm)) {
                      readyAt.putIfAbsent(name, System.nanoTime());
                    }
                    QemuVMStatus before = status == null ? null : last.put(name, status);
                    if (status != null && !status.equals(before)) {
                      String phase = String.valueOf(status.getPhase());
                      boolean same =
                          before != null && Objects.equals(before.getPhase(), status.getPhase());
                      byPhase.merge(
                          same ? phase + " again (" + changed(before, status) + ")" : phase,
                          1L,
                          Long::sum);
                    }
                  }

                  @Override
                  public void onClose(WatcherException cause) {}
                });
  }

  /** What differs: top-level fields, and conditions by type. */
  static String changed(QemuVMStatus before, QemuVMStatus after) {
    JsonNode a = JSON.valueToTree(before);
    JsonNode b = JSON.valueToTree(after);
    var fields = new TreeSet<String>();
    a.fieldNames().forEachRemaining(fields::add);
    b.fieldNames().forEachRemaining(fields::add);
    var changed = new ArrayList<String>();
    for (String field : fields) {
      if (field.equals("conditions")) {
        var types = new TreeSet<String>();
        types.addAll(conditions(a).keySet());
        types.addAll(conditions(b).keySet());
        for (String type : types) {
          JsonNode x = conditions(a).get(type);
          JsonNode y = conditions(b).get(type);
          if (x == null || y == null || !x.path("status").equals(y.path("status"))) {
            changed.add(type + " status");
          } else if (!x.path("reason").equals(y.path("reason"))) {
            changed.add(type + " reason");
          } else if (!x.equals(y)) {
            changed.add(type + " message");
          }
        }
      } else if (!a.path(field).equals(b.path(field))) {
        changed.add(field);
      }
    }
    return String.join(", ", changed);
  }

  private static Map<String, JsonNode> conditions(JsonNode status) {
    var byType = new TreeMap<String, JsonNode>();
    status.path("conditions").forEach(c -> byType.put(c.path("type").asText(), c));
    return byType;
  }

  /** When (System.nanoTime) each VM was first seen Ready, by name. */
  public Map<String, Long> readyAt() {
    return Map.copyOf(readyAt);
  }

  /** Status changes so far, by the phase written. */
  public Map<String, Long> byPhase() {
    return new TreeMap<>(byPhase);
  }

  @Override
  public void close() {
    watch.close();
  }
}
