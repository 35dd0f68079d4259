package io.qemuoperator.kubectl;

import java.net.URI;

/**
 * Where a VM's sidecar answers and the VM's bearer token: the pod's address (the local cluster), or
 * a local port the API server's port-forward carries to the pod (a real cluster).
 *
 * @param base {@code http://HOST:PORT}
 * @param token the VM's token, from its Secret
 */
public record SidecarEndpoint(URI base, String token) {

  public static SidecarEndpoint of(String host, int port, String token) {
    return new SidecarEndpoint(URI.create("http://" + host + ":" + port), token);
  }

  /** {@code path} (with its query) on the sidecar, over HTTP. */
  public URI http(String path) {
    return base.resolve(path);
  }

  /** {@code path} on the sidecar, as a WebSocket address. */
  public URI webSocket(String path) {
    return URI.create(http(path).toString().replaceFirst("^http", "ws"));
  }

  public String authorization() {
    return "Bearer " + token;
  }

  @Override
  public String toString() {
    return base + " (token hidden)";
  }
}
