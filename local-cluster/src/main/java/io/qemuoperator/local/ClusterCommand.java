package io.qemuoperator.local;

import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * A command on a running cluster, as kubectl's: {@code apply}, {@code get}, {@code describe},
 * {@code delete}, {@code restart}. {@link LocalCli} connects and closes the client.
 */
interface ClusterCommand {
  /** Runs the command; the exit code ({@link LocalCli#OK} and others). */
  int run(KubernetesClient client, CliOptions options);
}
