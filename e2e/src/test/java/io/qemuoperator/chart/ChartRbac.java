package io.qemuoperator.chart;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.qemuoperator.e2e.RealApiServer;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.awaitility.Awaitility;

/**
 * The operator's identity on a real API server exactly as the Helm chart makes it: the chart is
 * rendered (embedded Helm), its ServiceAccount and every RBAC object are applied unchanged, and a
 * token of that ServiceAccount is requested (TokenRequest). An operator that connects with the
 * token can do what the chart grants and nothing else.
 */
public final class ChartRbac {
  /** The release namespace: the ServiceAccount and the leader-election Lease live there. */
  public static final String RELEASE_NAMESPACE = RenderedChart.NAMESPACE;

  /** The user name the API server gives the operator's ServiceAccount. */
  public static final String OPERATOR_USER =
      "system:serviceaccount:" + RELEASE_NAMESPACE + ":" + RenderedChart.RELEASE;

  private static final Set<String> IDENTITY_KINDS =
      Set.of("ServiceAccount", "Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding");

  private ChartRbac() {}

  /**
   * Renders the chart with {@code watchNamespaces} (one Role and RoleBinding in each) and {@code
   * leaderElection}, applies its ServiceAccount and RBAC objects as {@code server}'s admin, waits
   * until the authorizer grants them, and returns a token of the ServiceAccount (valid 1 h).
   */
  public static String install(
      RealApiServer server, List<String> watchNamespaces, boolean leaderElection) {
    return install(server, watchNamespaces, leaderElection, UnaryOperator.identity());
  }

  /**
   * As {@link #install(RealApiServer, List, boolean)}, with every rendered object passed through
   * {@code change} first: for tests that take a permission away.
   */
  public static String install(
      RealApiServer server,
      List<String> watchNamespaces,
      boolean leaderElection,
      UnaryOperator<JsonNode> change) {
    RenderedChart chart =
        RenderedChart.renderValuesFile(
            "watchNamespaces: ["
                + String.join(", ", watchNamespaces)
                + "]\nleaderElection:\n  enabled: "
                + leaderElection
                + "\n");
    KubernetesClient admin = server.client();
    if (admin.namespaces().withName(RELEASE_NAMESPACE).get() == null) {
      admin
          .namespaces()
          .resource(
              new NamespaceBuilder()
                  .withNewMetadata()
                  .withName(RELEASE_NAMESPACE)
                  .endMetadata()
                  .build())
          .createOr(NonDeletingOperation::update);
    }
    List<JsonNode> identity =
        chart.where(m -> IDENTITY_KINDS.contains(m.path("kind").asText())).stream()
            .map(change)
            .toList();
    for (JsonNode manifest : identity) {
      GenericKubernetesResource object =
          admin
              .getKubernetesSerialization()
              .convertValue(manifest, GenericKubernetesResource.class);
      admin.resource(object).createOr(NonDeletingOperation::update);
    }
    String token =
        admin
            .serviceAccounts()
            .inNamespace(RELEASE_NAMESPACE)
            .withName(RenderedChart.RELEASE)
            .tokenRequest(
                new TokenRequestBuilder()
                    .withNewSpec()
                    .withExpirationSeconds(3600L)
                    .endSpec()
                    .build())
            .getStatus()
            .getToken();
    awaitGranted(server, token, identity);
    return token;
  }

  /**
   * RBAC's authorizer learns of new Roles and bindings from its informers, moments later: waits
   * until the ServiceAccount is allowed every rule of the applied Roles (SelfSubjectAccessReview).
   */
  private static void awaitGranted(RealApiServer server, String token, List<JsonNode> identity) {
    try (KubernetesClient operator =
        new KubernetesClientBuilder().withConfig(server.configWithToken(token)).build()) {
      for (JsonNode role : identity) {
        String kind = role.path("kind").asText();
        if (!kind.equals("Role")) {
          continue;
        }
        String namespace = role.path("metadata").path("namespace").asText();
        for (ApiCall call : ApiCall.grantedBy(role)) {
          Awaitility.await("%s may %s in %s".formatted(OPERATOR_USER, call, namespace))
              .atMost(Duration.ofSeconds(30))
              .pollInterval(Duration.ofMillis(200))
              .until(() -> allowed(operator, namespace, call));
        }
      }
    }
  }

  private static boolean allowed(KubernetesClient client, String namespace, ApiCall call) {
    var review =
        new SelfSubjectAccessReviewBuilder()
            .withNewSpec()
            .withNewResourceAttributes()
            .withNamespace(namespace)
            .withGroup(call.group())
            .withResource(call.baseResource())
            .withSubresource(call.subresource())
            .withVerb(call.verb())
            .endResourceAttributes()
            .endSpec()
            .build();
    return client
        .authorization()
        .v1()
        .selfSubjectAccessReview()
        .create(review)
        .getStatus()
        .getAllowed();
  }
}
