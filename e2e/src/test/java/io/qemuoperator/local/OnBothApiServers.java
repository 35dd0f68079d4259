package io.qemuoperator.local;

import io.qemuoperator.e2e.RealApiServer;
import org.junit.jupiter.params.Parameter;

/**
 * A scenario class that runs once on each API server: each subclass is annotated
 * {@code @ParameterizedClass(name = "on the {0} API server") @ValueSource(strings = {"mock",
 * "real"})}. Each scenario gets its own {@link E2eCluster}, closed after it; the operator's log is
 * scanned for unexpected errors ({@link LogScan}).
 */
abstract class OnBothApiServers extends OnRealApiServer {
  /**
   * mock: Fabric8's mock API server; real: kube-apiserver v1.20, operator under the chart's RBAC.
   */
  @Parameter String apiServer;

  @Override
  E2eCluster cluster(RealApiServer server) throws Exception {
    return E2eCluster.on(apiServer, server);
  }

  boolean onRealApiServer() {
    return "real".equals(apiServer);
  }
}
