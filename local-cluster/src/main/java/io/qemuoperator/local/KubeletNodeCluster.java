package io.qemuoperator.local;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.nio.file.Path;

/**
 * A cluster with a real node (kubelet + containerd) whose operator runs as the Helm chart's
 * Deployment: the launcher started the node and installed the chart, so {@code up} only applies the
 * manifests and watches. Nothing runs in this process; closing it only closes the client.
 */
record KubeletNodeCluster(KubernetesClient client) implements UpCluster {

  static KubeletNodeCluster connect(Path kubeconfig) {
    return new KubeletNodeCluster(
        new KubernetesClientBuilder().withConfig(Kubeconfig.read(kubeconfig)).build());
  }

  @Override
  public String apiServerUrl() {
    return client.getMasterUrl().toString();
  }

  @Override
  public String description() {
    return "real node: kubelet + containerd, the operator as the Helm chart's pod";
  }

  @Override
  public void close() {
    client.close();
  }
}
