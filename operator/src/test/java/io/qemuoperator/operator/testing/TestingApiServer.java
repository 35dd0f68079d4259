package io.qemuoperator.operator.testing;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.qemuoperator.api.v1alpha1.QemuVMApi;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.Queue;

/**
 * An API server on a loopback port: Fabric8's mock server in CRUD mode, serving the QemuVM CRD the
 * build generated. It stores objects, keeps generations and finalizers and serves watches; it does
 * not validate against the CRD's schema, default, run admission or collect garbage.
 */
public final class TestingApiServer implements AutoCloseable {

  private final KubernetesMockServer server;
  private final KubernetesClient client;

  private TestingApiServer(KubernetesMockServer server) {
    this.server = server;
    this.client = server.createClient();
  }

  public static TestingApiServer start() {
    quietRequestLog();
    Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
    var server =
        new KubernetesMockServer(
            new Context(),
            new MockWebServer(),
            responses,
            new KubernetesMixedDispatcher(responses),
            false);
    server.init(InetAddress.getLoopbackAddress(), 0);
    var started = new TestingApiServer(server);
    try {
      started.installCrd();
    } catch (RuntimeException e) {
      started.close();
      throw e;
    }
    return started;
  }

  public KubernetesClient client() {
    return client;
  }

  private void installCrd() {
    for (String name : QemuVMApi.CRD_RESOURCES) {
      try (InputStream in = TestingApiServer.class.getResourceAsStream("/" + name)) {
        if (in == null) {
          throw new IllegalStateException(
              name + " is missing: run the build through process-classes");
        }
        CustomResourceDefinition crd = Serialization.unmarshal(in, CustomResourceDefinition.class);
        client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** The mock server logs every request at INFO through java.util.logging. */
  private static void quietRequestLog() {
    java.util.logging.Logger.getLogger("io.fabric8.mockwebserver")
        .setLevel(java.util.logging.Level.WARNING);
  }

  @Override
  public void close() {
    client.close();
    server.destroy();
  }
}
