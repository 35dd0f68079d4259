package io.qemuoperator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.qemuoperator.api.v1alpha1.QemuVM;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What the operator relies on beyond the schema, on a real API server (v1.20.2) with
 * kube-controller-manager: the status subresource, owner-reference garbage collection and RBAC.
 */
@ExtendWith(RealApiServer.class)
class ControlPlaneE2E {

  private static RealApiServer server;
  private static KubernetesClient client;

  @BeforeAll
  static void installCrd(RealApiServer realApiServer) {
    server = realApiServer;
    client = server.client();
    server.installCrd();
  }

  @Test
  void statusPatchDoesNotChangeSpecAndSpecWriteDoesNotChangeStatus() {
    String ns = server.newNamespace("status");
    var vms = QemuVMs.untyped(client).inNamespace(ns);
    GenericKubernetesResource created =
        vms.resource(QemuVMs.manifest("vm", "cpus: 2\nmemory: 1Gi")).create();
    long generation = created.getMetadata().getGeneration();

    // A merge patch on /status that also tries to change the spec: only the status is taken.
    GenericKubernetesResource patched =
        vms.withName("vm")
            .subresource("status")
            .patch(
                PatchContext.of(PatchType.JSON_MERGE),
                "{\"spec\":{\"cpus\":8},\"status\":{\"phase\":\"Running\",\"observedGeneration\":%d}}"
                    .formatted(generation));
    assertThat(spec(patched).get("cpus")).isEqualTo(2);
    assertThat(status(patched).get("phase")).isEqualTo("Running");
    assertThat(patched.getMetadata().getGeneration()).isEqualTo(generation);

    // A merge patch on the resource itself that also tries to change the status: only the spec.
    GenericKubernetesResource specPatched =
        vms.withName("vm")
            .patch(
                PatchContext.of(PatchType.JSON_MERGE),
                "{\"spec\":{\"cpus\":4},\"status\":{\"phase\":\"Failed\"}}");
    assertThat(spec(specPatched).get("cpus")).isEqualTo(4);
    assertThat(status(specPatched).get("phase")).isEqualTo("Running");
    assertThat(specPatched.getMetadata().getGeneration()).isEqualTo(generation + 1);

    // The schema applies to the status too.
    assertThatThrownBy(
            () ->
                vms.withName("vm")
                    .subresource("status")
                    .patch(
                        PatchContext.of(PatchType.JSON_MERGE),
                        "{\"status\":{\"phase\":\"Exploded\"}}"))
        .isInstanceOfSatisfying(
            KubernetesClientException.class,
            e -> {
              assertThat(e.getCode()).isEqualTo(422);
              assertThat(e.getStatus().getMessage()).contains("status.phase: Unsupported value");
            });
  }

  @Test
  void deletingAQemuVMGarbageCollectsItsSecretAndPod() {
    String ns = server.newNamespace("gc");
    // The ServiceAccount admission plugin admits a Pod once the namespace's default account exists
    // (kube-controller-manager creates it).
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> client.serviceAccounts().inNamespace(ns).withName("default").get() != null);
    QemuVM vm =
        client
            .resources(QemuVM.class)
            .inNamespace(ns)
            .resource(QemuVMs.typed(QemuVMs.manifest("vm", "memory: 1Gi")))
            .create();
    OwnerReference owner =
        new OwnerReferenceBuilder()
            .withApiVersion(QemuVMs.API_VERSION)
            .withKind("QemuVM")
            .withName(vm.getMetadata().getName())
            .withUid(vm.getMetadata().getUid())
            .withController(true)
            .withBlockOwnerDeletion(true)
            .build();
    Secret secret =
        client
            .secrets()
            .inNamespace(ns)
            .resource(
                new SecretBuilder()
                    .withNewMetadata()
                    .withName("vm-sidecar-token")
                    .withOwnerReferences(owner)
                    .endMetadata()
                    .withStringData(Map.of("token", "not-a-secret"))
                    .build())
            .create();
    Pod pod =
        client
            .pods()
            .inNamespace(ns)
            .resource(
                new PodBuilder()
                    .withNewMetadata()
                    .withName("vm")
                    .withOwnerReferences(owner)
                    .endMetadata()
                    .withNewSpec()
                    .addNewContainer()
                    .withName("qemu")
                    .withImage("example.invalid/qemu:never-pulled")
                    .endContainer()
                    .endSpec()
                    .build())
            .create();
    assertThat(secret.getMetadata().getUid()).isNotBlank();
    assertThat(pod.getMetadata().getUid()).isNotBlank();

    client.resources(QemuVM.class).inNamespace(ns).withName("vm").delete();

    // No scheduler or kubelet: the Pod is never run, and the garbage collector deletes it at once.
    long t0 = System.nanoTime();
    await()
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(500))
        .until(
            () ->
                client.secrets().inNamespace(ns).withName("vm-sidecar-token").get() == null
                    && client.pods().inNamespace(ns).withName("vm").get() == null);
    System.err.printf(
        "[gc] Secret and Pod collected %.1f s after their QemuVM was deleted%n",
        (System.nanoTime() - t0) / 1e9);
  }

  @Test
  void serviceAccountNeedsARoleBindingToReadQemuVMs() {
    String ns = server.newNamespace("rbac");
    QemuVMs.untyped(client).inNamespace(ns).resource(QemuVMs.manifest("vm", "{}")).create();
    client
        .serviceAccounts()
        .inNamespace(ns)
        .resource(
            new ServiceAccountBuilder().withNewMetadata().withName("reader").endMetadata().build())
        .create();
    TokenRequest token =
        client
            .serviceAccounts()
            .inNamespace(ns)
            .withName("reader")
            .tokenRequest(
                new TokenRequestBuilder()
                    .withNewSpec()
                    .withExpirationSeconds(600L)
                    .endSpec()
                    .build());

    try (KubernetesClient reader = server.clientWithToken(token.getStatus().getToken())) {
      // Authenticated (not 401) but not authorized.
      assertThatThrownBy(() -> QemuVMs.untyped(reader).inNamespace(ns).list())
          .isInstanceOfSatisfying(
              KubernetesClientException.class,
              e -> {
                assertThat(e.getCode()).isEqualTo(403);
                assertThat(e.getStatus().getMessage())
                    .contains("system:serviceaccount:" + ns + ":reader")
                    .contains("cannot list resource \"qemuvms\"");
              });

      client
          .rbac()
          .roles()
          .inNamespace(ns)
          .resource(
              new RoleBuilder()
                  .withNewMetadata()
                  .withName("qemuvm-reader")
                  .endMetadata()
                  .withRules(
                      new PolicyRuleBuilder()
                          .withApiGroups("qemu-operator.io")
                          .withResources("qemuvms")
                          .withVerbs("get", "list")
                          .build())
                  .build())
          .create();
      client
          .rbac()
          .roleBindings()
          .inNamespace(ns)
          .resource(
              new RoleBindingBuilder()
                  .withNewMetadata()
                  .withName("qemuvm-reader")
                  .endMetadata()
                  .withNewRoleRef("rbac.authorization.k8s.io", "Role", "qemuvm-reader")
                  .addNewSubject()
                  .withKind("ServiceAccount")
                  .withName("reader")
                  .withNamespace(ns)
                  .endSubject()
                  .build())
          .create();

      // The authorizer's informers see the binding within moments.
      await()
          .atMost(Duration.ofSeconds(30))
          .ignoreExceptionsMatching(
              e -> e instanceof KubernetesClientException k && k.getCode() == 403)
          .untilAsserted(
              () ->
                  assertThat(QemuVMs.untyped(reader).inNamespace(ns).list().getItems()).hasSize(1));
      assertThat(QemuVMs.untyped(reader).inNamespace(ns).withName("vm").get()).isNotNull();
      // get and list only: writing is still forbidden.
      assertThatThrownBy(
              () ->
                  QemuVMs.untyped(reader)
                      .inNamespace(ns)
                      .resource(QemuVMs.manifest("other", "{}"))
                      .create())
          .isInstanceOfSatisfying(
              KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(403));
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> spec(GenericKubernetesResource r) {
    return (Map<String, Object>) r.getAdditionalProperties().get("spec");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> status(GenericKubernetesResource r) {
    return (Map<String, Object>) r.getAdditionalProperties().get("status");
  }
}
