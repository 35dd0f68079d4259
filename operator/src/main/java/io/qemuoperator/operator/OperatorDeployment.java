package io.qemuoperator.operator;

import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * How this operator process is deployed, from the environment the Helm chart sets: whether it takes
 * part in leader election ({@code LEADER_ELECTION=true}, a Lease named {@value #LEASE_NAME} in
 * {@code POD_NAMESPACE}) and which namespaces it watches ({@code WATCH_NAMESPACES},
 * comma-separated; empty: all).
 *
 * @param leaderElection the JOSDK leader election, when enabled
 * @param watchNamespaces the namespaces to watch; empty means every namespace
 */
public record OperatorDeployment(
    Optional<LeaderElectionConfiguration> leaderElection, Set<String> watchNamespaces) {

  public static final String LEASE_NAME = "qemu-operator";

  public OperatorDeployment {
    watchNamespaces = Set.copyOf(watchNamespaces);
  }

  /** Throws {@link IllegalArgumentException} when leader election is on but has no namespace. */
  public static OperatorDeployment fromEnvironment(Map<String, String> env) {
    Optional<LeaderElectionConfiguration> election = Optional.empty();
    if (Boolean.parseBoolean(env.getOrDefault("LEADER_ELECTION", "false").strip())) {
      String namespace = env.getOrDefault("POD_NAMESPACE", "").strip();
      if (namespace.isEmpty()) {
        throw new IllegalArgumentException(
            "LEADER_ELECTION=true needs POD_NAMESPACE (the namespace of the lease)");
      }
      election =
          Optional.of(
              LeaderElectionConfigurationBuilder.aLeaderElectionConfiguration(LEASE_NAME)
                  .withLeaseNamespace(namespace)
                  .build());
    }
    Set<String> namespaces =
        Arrays.stream(env.getOrDefault("WATCH_NAMESPACES", "").split(","))
            .map(String::strip)
            .filter(s -> !s.isEmpty())
            .collect(Collectors.toSet());
    return new OperatorDeployment(election, namespaces);
  }

  /** One replica watching every namespace: what tests and a plain {@code java} start use. */
  public static OperatorDeployment single() {
    return new OperatorDeployment(Optional.empty(), Set.of());
  }
}
