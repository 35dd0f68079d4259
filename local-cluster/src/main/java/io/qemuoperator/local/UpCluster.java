package io.qemuoperator.local;

import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * The cluster {@code up} applies its manifests to and watches: a {@link LocalCluster} (the node
 * agent runs the VM pods as processes, the operator runs in this process) or a {@link
 * KubeletNodeCluster} (a real kubelet runs them, the operator is the Helm chart's pod).
 */
interface UpCluster extends AutoCloseable {
  KubernetesClient client();

  /** Where clients reach the API server. */
  String apiServerUrl();

  /** What runs the VMs, as {@code up} tells the user. */
  String description();

  @Override
  void close();
}
