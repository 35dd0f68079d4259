package io.qemuoperator.local;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.http.Dispatcher;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.Queue;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Fabric8's mock API server in this JVM, on a loopback port: objects and watches kept in memory
 * (CRUD), no etcd, no admission, no controllers. {@code up --api-server mock} and the benchmarks'
 * mock column run on it; its request log (java.util.logging, INFO per request) is turned down to
 * WARNING.
 */
public final class InMemoryApiServer implements AutoCloseable {
  private final KubernetesMockServer server;

  private InMemoryApiServer(KubernetesMockServer server) {
    this.server = server;
  }

  /** CRUD, as a cluster serves it. */
  public static InMemoryApiServer start() {
    return start(KubernetesMixedDispatcher::new);
  }

  /**
   * With the dispatcher {@code dispatcher} makes of the server's expectations (e.g. one that also
   * counts requests).
   */
  public static InMemoryApiServer start(
      Function<Map<ServerRequest, Queue<ServerResponse>>, Dispatcher> dispatcher) {
    quietRequestLog();
    Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
    var server =
        new KubernetesMockServer(
            new Context(), new MockWebServer(), responses, dispatcher.apply(responses), false);
    server.init(InetAddress.getLoopbackAddress(), 0);
    return new InMemoryApiServer(server);
  }

  public KubernetesClient createClient() {
    return server.createClient();
  }

  public int port() {
    return server.getPort();
  }

  @Override
  public void close() {
    server.destroy();
  }

  private static void quietRequestLog() {
    Logger root = Logger.getLogger("");
    root.setLevel(Level.WARNING);
    for (var handler : root.getHandlers()) {
      handler.setLevel(Level.WARNING);
    }
  }
}
