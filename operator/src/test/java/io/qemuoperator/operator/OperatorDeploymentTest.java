package io.qemuoperator.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class OperatorDeploymentTest {

  @Test
  void noEnvironmentMeansOneReplicaWatchingEveryNamespace() {
    var deployment = OperatorDeployment.fromEnvironment(Map.of());

    assertThat(deployment.leaderElection()).isEmpty();
    assertThat(deployment.watchNamespaces()).isEmpty();
  }

  @Test
  void leaderElectionUsesTheQemuOperatorLeaseInThePodsNamespace() {
    var deployment =
        OperatorDeployment.fromEnvironment(
            Map.of("LEADER_ELECTION", "true", "POD_NAMESPACE", "qemu-operator"));

    var election = deployment.leaderElection().orElseThrow();
    assertThat(election.getLeaseName()).isEqualTo("qemu-operator");
    assertThat(election.getLeaseNamespace()).contains("qemu-operator");
  }

  @Test
  void leaderElectionWithoutPodNamespaceIsRefusedNamingTheVariable() {
    assertThatThrownBy(() -> OperatorDeployment.fromEnvironment(Map.of("LEADER_ELECTION", "true")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("POD_NAMESPACE");
  }

  @Test
  void watchNamespacesIsACommaSeparatedList() {
    var deployment = OperatorDeployment.fromEnvironment(Map.of("WATCH_NAMESPACES", " a, b ,,"));

    assertThat(deployment.watchNamespaces()).containsExactlyInAnyOrder("a", "b");
    assertThat(deployment.leaderElection()).isEmpty();
  }
}
