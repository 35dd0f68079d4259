package io.qemuoperator.operator.dependent;

import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.Creator;
import io.javaoperatorsdk.operator.processing.dependent.KubernetesBulkDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.Matcher;
import io.javaoperatorsdk.operator.processing.dependent.Updater;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.operator.pod.DiskClaims;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * One claim per disk (a bulk dependent): created with the disk, its storage request raised when the
 * disk grows (a merge patch of the request alone; a request is never lowered, and nothing else of a
 * claim ever changes). A claim whose disk left the spec is kept: its data is the user's, and it
 * goes with the QemuVM. What each growth did — raised, or refused by the cluster — is handed to the
 * reconciler through {@link #growths(Context)}, for Events and the planner.
 */
public final class DiskClaimsDependent
    extends KubernetesDependentResource<PersistentVolumeClaim, QemuVM>
    implements Creator<PersistentVolumeClaim, QemuVM>,
        Updater<PersistentVolumeClaim, QemuVM>,
        KubernetesBulkDependentResource<PersistentVolumeClaim, QemuVM> {

  private static final String GROWTHS = DiskClaimsDependent.class.getName() + ".growths";

  public DiskClaimsDependent() {
    super(PersistentVolumeClaim.class);
    configureWith(Dependents.managedOnly(PersistentVolumeClaim.class));
  }

  /** A claim's request raised this pass, or the cluster's refusal to raise it. */
  public record Growth(String claim, String disk, long fromBytes, long toBytes, String refusal) {
    public boolean refused() {
      return refusal != null;
    }
  }

  /** What this pass did to claims' requests. */
  @SuppressWarnings("unchecked")
  public static List<Growth> growths(Context<QemuVM> context) {
    return context
        .managedWorkflowAndDependentResourceContext()
        .get(GROWTHS, List.class)
        .map(list -> (List<Growth>) list)
        .orElse(List.of());
  }

  @Override
  public Map<ResourceID, PersistentVolumeClaim> desiredResources(
      QemuVM vm, Context<QemuVM> context) {
    var desired = new LinkedHashMap<ResourceID, PersistentVolumeClaim>();
    DiskClaims.desired(vm).forEach(claim -> desired.put(ResourceID.fromResource(claim), claim));
    return desired;
  }

  @Override
  public Map<ResourceID, PersistentVolumeClaim> getSecondaryResources(
      QemuVM vm, Context<QemuVM> context) {
    return context
        .getSecondaryResourcesAsStream(PersistentVolumeClaim.class)
        .collect(Collectors.toMap(ResourceID::fromResource, claim -> claim, (a, b) -> a));
  }

  /** Matched while the claim asks for at least what the disk needs: requests only grow. */
  @Override
  public Matcher.Result<PersistentVolumeClaim> match(
      PersistentVolumeClaim actual,
      PersistentVolumeClaim desired,
      QemuVM vm,
      Context<QemuVM> context) {
    return Matcher.Result.nonComputed(
        DiskClaims.requestBytes(actual) >= DiskClaims.requestBytes(desired));
  }

  @Override
  public PersistentVolumeClaim update(
      PersistentVolumeClaim actual,
      PersistentVolumeClaim desired,
      QemuVM vm,
      Context<QemuVM> context) {
    long from = DiskClaims.requestBytes(actual);
    long to = DiskClaims.requestBytes(desired);
    try {
      PersistentVolumeClaim grown =
          context
              .getClient()
              .persistentVolumeClaims()
              .inNamespace(actual.getMetadata().getNamespace())
              .withName(actual.getMetadata().getName())
              .patch(PatchContext.of(PatchType.JSON_MERGE), DiskClaims.requestPatch(to));
      record(
          context,
          new Growth(actual.getMetadata().getName(), DiskClaims.diskOf(actual), from, to, null));
      return grown;
    } catch (KubernetesClientException e) {
      String why =
          e.getStatus() != null && e.getStatus().getMessage() != null
              ? e.getStatus().getReason() + ": " + e.getStatus().getMessage()
              : e.getMessage();
      record(
          context,
          new Growth(actual.getMetadata().getName(), DiskClaims.diskOf(actual), from, to, why));
      return actual;
    }
  }

  /** A disk left the spec: its claim stays (the user's data) until the QemuVM goes. */
  @Override
  public void deleteTargetResource(
      QemuVM vm, PersistentVolumeClaim claim, ResourceID id, Context<QemuVM> context) {}

  @Override
  public boolean isDeletable() {
    return false;
  }

  private static void record(Context<QemuVM> context, Growth growth) {
    var growths = new ArrayList<>(growths(context));
    growths.add(growth);
    context.managedWorkflowAndDependentResourceContext().put(GROWTHS, List.copyOf(growths));
  }
}
