package io.qemuoperator.local;

import io.qemuoperator.e2e.RealApiServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.Parameter;

/**
 * A scenario class that runs once on each API server: each subclass is annotated
 * {@code @ParameterizedClass(name = "on the {0} API server") @ValueSource(strings = {"mock",
 * "real"})}. Each scenario gets its own {@link E2eCluster}, closed after it; the operator's log is
 * scanned for unexpected errors ({@link LogScan}).
 */
@ExtendWith({RealApiServer.class, LogScan.class})
abstract class OnBothApiServers {
  /**
   * mock: Fabric8's mock API server; real: kube-apiserver v1.20, operator under the chart's RBAC.
   */
  @Parameter String apiServer;

  E2eCluster e2e;

  @BeforeEach
  void start(RealApiServer server) throws Exception {
    e2e = E2eCluster.on(apiServer, server);
  }

  @AfterEach
  void stop() throws Exception {
    if (e2e != null) {
      e2e.close();
    }
  }

  boolean onRealApiServer() {
    return "real".equals(apiServer);
  }
}
