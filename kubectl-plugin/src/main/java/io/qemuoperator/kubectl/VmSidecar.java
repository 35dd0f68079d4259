package io.qemuoperator.kubectl;

import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Comparator;
import java.util.Objects;

/**
 * A QemuVM's sidecar as a client finds it through the API server: the VM's running pod (by the
 * label the operator puts on it), the sidecar's port (the container port {@value #PORT_NAME}) and
 * the VM's token, read from the Secret the pod mounts. Reading the Secret needs {@code get} on it:
 * RBAC on the Secret decides who may talk to the VM's sidecar.
 *
 * @param pod the VM's running pod
 * @param port the sidecar's port in the pod
 * @param token the VM's bearer token
 */
public record VmSidecar(Pod pod, int port, String token) {
  /** The label the operator puts on a VM's pod: the QemuVM's name. */
  public static final String VM_LABEL = "qemu-operator.io/vm";

  /** The sidecar container's port name in the VM pod. */
  public static final String PORT_NAME = "qmp-http";

  /** The key of the token in the VM's Secret. */
  public static final String TOKEN_KEY = "token";

  /** The VM {@code name}'s sidecar in {@code namespace}. */
  public static VmSidecar find(KubernetesClient client, String namespace, String name) {
    Pod pod =
        client.pods().inNamespace(namespace).withLabel(VM_LABEL, name).list().getItems().stream()
            .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
            .filter(p -> p.getStatus() != null && "Running".equals(p.getStatus().getPhase()))
            .max(Comparator.comparing(p -> p.getMetadata().getCreationTimestamp()))
            .orElseThrow(
                () ->
                    new VmNotReachableException(
                        "qemuvm "
                            + name
                            + " has no running pod in namespace "
                            + namespace
                            + " (is it created, and running?)"));
    String secretName =
        pod.getSpec().getVolumes().stream()
            .map(Volume::getSecret)
            .filter(Objects::nonNull)
            .findFirst()
            .orElseThrow(
                () ->
                    new VmNotReachableException(
                        "pod " + pod.getMetadata().getName() + " mounts no token Secret"))
            .getSecretName();
    Secret secret = client.secrets().inNamespace(namespace).withName(secretName).get();
    String token =
        (secret == null ? java.util.Optional.<String>empty() : token(secret))
            .orElseThrow(
                () ->
                    new VmNotReachableException(
                        "secret "
                            + secretName
                            + " (the token of qemuvm "
                            + name
                            + ") has no key "
                            + TOKEN_KEY));
    return new VmSidecar(pod, port(pod), token);
  }

  /** The sidecar's port in a VM pod: the container port named {@value #PORT_NAME}. */
  public static int port(Pod pod) {
    return pod.getSpec().getContainers().stream()
        .flatMap(
            c -> c.getPorts() == null ? java.util.stream.Stream.empty() : c.getPorts().stream())
        .filter(p -> PORT_NAME.equals(p.getName()))
        .map(ContainerPort::getContainerPort)
        .findFirst()
        .orElseThrow(
            () ->
                new VmNotReachableException(
                    "pod " + pod.getMetadata().getName() + " has no port " + PORT_NAME));
  }

  /** The token a Secret holds, in data (or in stringData: a mock API server keeps it there). */
  static java.util.Optional<String> token(Secret secret) {
    if (secret.getData() != null && secret.getData().containsKey(TOKEN_KEY)) {
      return java.util.Optional.of(
          new String(
                  Base64.getDecoder().decode(secret.getData().get(TOKEN_KEY)),
                  StandardCharsets.UTF_8)
              .strip());
    }
    if (secret.getStringData() != null && secret.getStringData().containsKey(TOKEN_KEY)) {
      return java.util.Optional.of(secret.getStringData().get(TOKEN_KEY).strip());
    }
    return java.util.Optional.empty();
  }

  /** The sidecar at the pod's own address: where the client can reach pod IPs (a node, locally). */
  public SidecarEndpoint direct() {
    return SidecarEndpoint.of(pod.getStatus().getPodIP(), port, token);
  }

  /** The sidecar behind a local port that a port-forward carries to the pod's {@link #port()}. */
  public SidecarEndpoint forwardedTo(int localPort) {
    return SidecarEndpoint.of("127.0.0.1", localPort, token);
  }

  /** The VM cannot be reached: no running pod, no token; the message says which. */
  public static final class VmNotReachableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public VmNotReachableException(String message) {
      super(message);
    }
  }
}
