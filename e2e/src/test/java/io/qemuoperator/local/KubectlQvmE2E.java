package io.qemuoperator.local;

import static io.qemuoperator.local.E2eCluster.isTrue;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReviewBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.qemuoperator.e2e.RealApiServer;
import io.qemuoperator.kubectl.ConsoleAttach;
import io.qemuoperator.kubectl.KubectlQvm;
import io.qemuoperator.kubectl.Terminal;
import io.qemuoperator.operator.reconcile.Conditions;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code kubectl qvm} on the real API server, as users with their own RBAC: reading the VM's token
 * Secret is what decides who may open its console; creating QemuVMMigrations, who may move it. The
 * local cluster has no kubelet, so the API server cannot carry the port-forward to the pod: the
 * plugin's last step fails here, and says so (the console and log clients behind it are
 * ConsoleE2E's, through the local CLI).
 */
@ExtendWith({RealApiServer.class, LogScan.class})
class KubectlQvmE2E {
  private static final PolicyRule PODS =
      new PolicyRuleBuilder()
          .withApiGroups("")
          .withResources("pods")
          .withVerbs("get", "list")
          .build();
  private static final PolicyRule PORT_FORWARD =
      new PolicyRuleBuilder()
          .withApiGroups("")
          .withResources("pods/portforward")
          .withVerbs("create")
          .build();
  private static final PolicyRule SECRETS =
      new PolicyRuleBuilder().withApiGroups("").withResources("secrets").withVerbs("get").build();

  /** One run of the plugin as {@code user}: exit code and what it printed. */
  private record Run(int code, String out, String err) {}

  private static Run kubectlQvm(KubernetesClient user, String... args) throws Exception {
    var out = new ByteArrayOutputStream();
    var err = new ByteArrayOutputStream();
    int code =
        new KubectlQvm(
                InputStream.nullInputStream(),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8),
                Terminal.none())
            .run(user, args);
    return new Run(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void whoMayReadTheVmsSecretMayOpenItsConsole(RealApiServer server) throws Exception {
    try (E2eCluster e2e = E2eCluster.onRealApiServerAsAdmin(server)) {
      e2e.create(e2e.vm("qvm-1", s -> {}));
      e2e.await("qvm-1", "Ready", vm -> isTrue(vm, Conditions.READY));

      try (KubernetesClient viewer = user(server, e2e.ns, "viewer", List.of(PODS, PORT_FORWARD));
          KubernetesClient consoleUser =
              user(server, e2e.ns, "console-user", List.of(PODS, PORT_FORWARD, SECRETS))) {
        Run refused = kubectlQvm(viewer, "console", "qvm-1", "-n", e2e.ns);
        assertThat(refused.code()).isEqualTo(ConsoleAttach.FAILED);
        assertThat(refused.err())
            .as("without get on the Secret, no token and no console")
            .contains("secrets", "qvm-1-qmp-token", "forbidden");

        Run forwarded = kubectlQvm(consoleUser, "logs", "qvm-1", "-n", e2e.ns);
        assertThat(forwarded.code()).isEqualTo(ConsoleAttach.FAILED);
        assertThat(forwarded.err())
            .as("the token was read; the port-forward needs a kubelet, which this cluster lacks")
            .doesNotContain("forbidden")
            .contains("the API server's port-forward to pod qvm-1-qemu failed");
      }
    }
  }

  /**
   * A ServiceAccount with {@code rules} in {@code namespace}, once RBAC grants them; its client.
   */
  private static final PolicyRule MIGRATIONS =
      new PolicyRuleBuilder()
          .withApiGroups("qemu-operator.io")
          .withResources("qemuvmmigrations")
          .withVerbs("create", "get")
          .build();

  /**
   * {@code kubectl qvm migrate}: creates the request as a user allowed to, follows it to its end
   * (exit 0 once Completed, the VM then in a new pod); refused to a user without the right.
   */
  @Test
  void migrateMovesTheVmToANewPodAndFollowsTheRequestToItsEnd(RealApiServer server)
      throws Exception {
    try (E2eCluster e2e = E2eCluster.onRealApiServerAsAdmin(server)) {
      e2e.create(e2e.vm("qvm-2", s -> {}));
      e2e.await("qvm-2", "Ready", vm -> isTrue(vm, Conditions.READY));

      try (KubernetesClient viewer = user(server, e2e.ns, "no-migrate", List.of(PODS));
          KubernetesClient mover = user(server, e2e.ns, "mover", List.of(PODS, MIGRATIONS))) {
        Run refused = kubectlQvm(viewer, "migrate", "qvm-2", "-n", e2e.ns);
        assertThat(refused.code()).isEqualTo(ConsoleAttach.FAILED);
        assertThat(refused.err()).contains("forbidden");

        Run moved = kubectlQvm(mover, "migrate", "qvm-2", "-n", e2e.ns);
        assertThat(moved.code()).as(moved.out() + moved.err()).isEqualTo(ConsoleAttach.OK);
        assertThat(moved.out())
            .containsPattern("qemuvmmigration/qvm-2-migration-\\w+ created")
            .contains("TargetStarting: starting pod qvm-2-qemu-")
            .contains("Completed: the guest runs in pod qvm-2-qemu-");
      }
      e2e.await(
          "qvm-2",
          "Ready in its new pod",
          vm ->
              isTrue(vm, Conditions.READY)
                  && e2e
                      .client()
                      .pods()
                      .inNamespace(e2e.ns)
                      .withLabel("qemu-operator.io/vm", "qvm-2")
                      .list()
                      .getItems()
                      .stream()
                      .allMatch(p -> p.getMetadata().getName().startsWith("qvm-2-qemu-")));
    }
  }

  private static KubernetesClient user(
      RealApiServer server, String namespace, String name, List<PolicyRule> rules) {
    KubernetesClient admin = server.client();
    admin
        .serviceAccounts()
        .inNamespace(namespace)
        .resource(
            new ServiceAccountBuilder().withNewMetadata().withName(name).endMetadata().build())
        .create();
    admin
        .rbac()
        .roles()
        .inNamespace(namespace)
        .resource(
            new RoleBuilder()
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .withRules(rules)
                .build())
        .create();
    admin
        .rbac()
        .roleBindings()
        .inNamespace(namespace)
        .resource(
            new RoleBindingBuilder()
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "Role", name)
                .addNewSubject()
                .withKind("ServiceAccount")
                .withName(name)
                .withNamespace(namespace)
                .endSubject()
                .build())
        .create();
    String token =
        admin
            .serviceAccounts()
            .inNamespace(namespace)
            .withName(name)
            .tokenRequest(
                new TokenRequestBuilder()
                    .withNewSpec()
                    .withExpirationSeconds(3600L)
                    .endSpec()
                    .build())
            .getStatus()
            .getToken();
    KubernetesClient user = server.clientWithToken(token);
    // RBAC's authorizer learns of the binding moments later
    Awaitility.await(name + " may list pods in " + namespace)
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () ->
                user.authorization()
                    .v1()
                    .selfSubjectAccessReview()
                    .create(
                        new SelfSubjectAccessReviewBuilder()
                            .withNewSpec()
                            .withNewResourceAttributes()
                            .withNamespace(namespace)
                            .withResource("pods")
                            .withVerb("list")
                            .endResourceAttributes()
                            .endSpec()
                            .build())
                    .getStatus()
                    .getAllowed());
    return user;
  }
}
