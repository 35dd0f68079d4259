package io.qemuoperator.local;

import io.qemuoperator.e2e.RealApiServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A scenario class that runs on the real API server only (the guest-side scenarios: what they check
 * happens in the guest, whichever the API server): each scenario gets its own {@link E2eCluster}
 * with the operator under the chart's RBAC, closed after it; the operator's log is scanned for
 * unexpected errors ({@link LogScan}).
 */
@ExtendWith({RealApiServer.class, LogScan.class})
abstract class OnRealApiServer {
  E2eCluster e2e;

  @BeforeEach
  void start(RealApiServer server) throws Exception {
    e2e = cluster(server);
  }

  /** The scenario's cluster: on the real API server, the operator under the chart's RBAC. */
  E2eCluster cluster(RealApiServer server) throws Exception {
    return E2eCluster.onRealApiServer(server);
  }

  @AfterEach
  void stop() throws Exception {
    if (e2e != null) {
      e2e.close();
    }
  }
}
