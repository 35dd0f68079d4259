package io.qemuoperator.operator.sidecar;

import java.net.URI;

/**
 * Where one VM's sidecar answers and the token it wants.
 *
 * @param base e.g. {@code http://10.1.2.3:9443}
 * @param token the VM's bearer token, from its Secret; never logged
 */
public record SidecarEndpoint(URI base, String token) {

  public static SidecarEndpoint of(String podIp, int port, String token) {
    String host = podIp.contains(":") ? "[" + podIp + "]" : podIp;
    return new SidecarEndpoint(URI.create("http://" + host + ":" + port), token);
  }

  URI resolve(String pathAndQuery) {
    return base.resolve(pathAndQuery);
  }

  @Override
  public String toString() {
    return "SidecarEndpoint[" + base + "]";
  }
}
