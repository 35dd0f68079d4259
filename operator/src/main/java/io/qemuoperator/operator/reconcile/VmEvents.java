package io.qemuoperator.operator.reconcile;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records what the operator did to a VM as Kubernetes Events on the QemuVM ({@code kubectl describe
 * qvm} shows them), or on a QemuVMMigration. An Event's name is derived from the VM, its type,
 * reason and message, so the same Event again (a warning repeated at every pass) counts up on the
 * one Event ({@code count}, {@code lastTimestamp}) instead of adding another, as Kubernetes' own
 * event recorder does. An Event that cannot be written is logged, never fatal.
 */
public final class VmEvents {
  private static final Logger log = LoggerFactory.getLogger(VmEvents.class);
  static final String COMPONENT = "qemu-operator";

  private final KubernetesClient client;
  private final Clock clock;
  private final EventCounts counts;

  public VmEvents(KubernetesClient client, Clock clock, EventCounts counts) {
    this.client = client;
    this.clock = clock;
    this.counts = counts;
  }

  public void normal(HasMetadata vm, String reason, String message) {
    record(vm, "Normal", reason, message);
  }

  public void warning(HasMetadata vm, String reason, String message) {
    record(vm, "Warning", reason, message);
  }

  /** A Warning when {@code warning}, else a Normal Event. */
  public void record(HasMetadata vm, boolean warning, String reason, String message) {
    record(vm, warning ? "Warning" : "Normal", reason, message);
  }

  /** The Event's name: the VM's, and a hash of what makes two Events the same one. */
  static String name(HasMetadata vm, String type, String reason, String message) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256")
              .digest(
                  String.join("\n", vm.getMetadata().getUid(), type, reason, message)
                      .getBytes(StandardCharsets.UTF_8));
      return vm.getMetadata().getName() + "." + HexFormat.of().formatHex(digest, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  private void record(HasMetadata vm, String type, String reason, String message) {
    String name = name(vm, type, reason, message);
    String namespace = vm.getMetadata().getNamespace();
    String now = clock.instant().truncatedTo(ChronoUnit.SECONDS).toString();
    try {
      Integer seen = counts.get(name);
      if (seen != null && patched(namespace, name, seen + 1, now)) {
        counts.put(name, seen + 1);
        return;
      }
      try {
        client
            .v1()
            .events()
            .inNamespace(namespace)
            .resource(event(vm, name, type, reason, message, now))
            .create();
        counts.put(name, 1);
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409) {
          throw e;
        }
        // recorded before this operator process started: count on from what it says
        Event existing = client.v1().events().inNamespace(namespace).withName(name).get();
        int count = existing == null || existing.getCount() == null ? 1 : existing.getCount() + 1;
        if (patched(namespace, name, count, now)) {
          counts.put(name, count);
        }
      }
    } catch (KubernetesClientException e) {
      log.warn(
          "could not record event {} on {}: {}",
          reason,
          vm.getMetadata().getName(),
          e.getMessage());
    }
  }

  /**
   * Counts the Event once more; false when it is gone (Events expire). One request: the patch goes
   * to the Event named by a stub (given only a name, Fabric8 would read the Event first).
   */
  private boolean patched(String namespace, String name, int count, String now) {
    try {
      client
          .v1()
          .events()
          .resource(
              new EventBuilder()
                  .withNewMetadata()
                  .withName(name)
                  .withNamespace(namespace)
                  .endMetadata()
                  .build())
          .patch(
              PatchContext.of(PatchType.JSON_MERGE),
              "{\"count\":" + count + ",\"lastTimestamp\":\"" + now + "\"}");
      return true;
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        counts.remove(name);
        return false;
      }
      throw e;
    }
  }

  private static Event event(
      HasMetadata vm, String name, String type, String reason, String message, String now) {
    return new EventBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(vm.getMetadata().getNamespace())
        .endMetadata()
        .withInvolvedObject(
            new ObjectReferenceBuilder()
                .withApiVersion(vm.getApiVersion())
                .withKind(vm.getKind())
                .withName(vm.getMetadata().getName())
                .withNamespace(vm.getMetadata().getNamespace())
                .withUid(vm.getMetadata().getUid())
                .build())
        .withType(type)
        .withReason(reason)
        .withMessage(message)
        .withFirstTimestamp(now)
        .withLastTimestamp(now)
        .withCount(1)
        .withNewSource()
        .withComponent(COMPONENT)
        .endSource()
        .withReportingComponent(COMPONENT)
        .build();
  }
}
