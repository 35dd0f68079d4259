package io.qemuoperator.bench;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.qemuoperator.local.InMemoryApiServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Fabric8's mock API server (CRUD) in the benchmark's JVM: no etcd, no admission, no controllers;
 * watches are served from memory. The operator's requests (its kubeconfig carries the token {@value
 * #OPERATOR_TOKEN}) are counted by verb and resource, read from each request's method and path.
 */
public final class MockApiServer implements BenchApiServer {
  static final String OPERATOR_TOKEN = "operator";

  private final InMemoryApiServer server;
  private final RequestCounter counter = new RequestCounter();
  private final KubernetesClient client;
  private final Path kubeconfig;

  private MockApiServer(Path dir) throws IOException {
    server = InMemoryApiServer.start(responses -> counter);
    kubeconfig = dir.resolve("operator.kubeconfig");
    Files.writeString(
        kubeconfig,
        """
        apiVersion: v1
        kind: Config
        clusters: [{name: bench, cluster: {server: "http://127.0.0.1:%d"}}]
        users: [{name: operator, user: {token: %s}}]
        contexts: [{name: bench, context: {cluster: bench, user: operator, namespace: default}}]
        current-context: bench
        """
            .formatted(server.port(), OPERATOR_TOKEN));
    client = server.createClient();
  }

  static MockApiServer start(Path dir) throws IOException {
    return new MockApiServer(dir);
  }

  @Override
  public String name() {
    return "mock";
  }

  @Override
  public String description() {
    return "Fabric8 mock API server 7.5 (CRUD, in memory, no etcd)";
  }

  @Override
  public KubernetesClient client() {
    return client;
  }

  @Override
  public Path operatorKubeconfig() {
    return kubeconfig;
  }

  @Override
  public ApiRequests operatorRequests() {
    var counts = new HashMap<String, Long>();
    counter.counts.forEach((key, count) -> counts.put(key, count.sum()));
    return new ApiRequests(counts);
  }

  @Override
  public void createNamespace(String name) {
    client
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
        .create();
  }

  @Override
  public boolean needsVolumeBinder() {
    return true;
  }

  @Override
  public void close() {
    client.close();
    server.close();
  }

  /**
   * The verb and resource of a request, as the audit log names them: {@code GET
   * /api/v1/namespaces/bench/pods?watch=true} is {@code watch pods}, {@code PATCH
   * /apis/qemu-operator.io/v1alpha1/namespaces/bench/qemuvms/vm-0/status} is {@code patch
   * qemuvms/status}.
   */
  static String verbAndResource(String method, String pathAndQuery) {
    int q = pathAndQuery.indexOf('?');
    String path = q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
    String query = q < 0 ? "" : pathAndQuery.substring(q + 1);
    List<String> parts = List.of(path.replaceFirst("^/", "").split("/"));
    int skip = parts.get(0).equals("api") ? 2 : 3; // api/v1 or apis/GROUP/VERSION
    List<String> rest = parts.subList(Math.min(skip, parts.size()), parts.size());
    if (rest.size() >= 3 && rest.get(0).equals("namespaces")) {
      rest = rest.subList(2, rest.size());
    }
    String resource = rest.isEmpty() ? "" : rest.get(0);
    boolean named = rest.size() >= 2;
    String subresource = rest.size() >= 3 ? rest.get(2) : null;
    String verb =
        switch (method) {
          case "POST" -> "create";
          case "PUT" -> "update";
          case "PATCH" -> "patch";
          case "DELETE" -> named ? "delete" : "deletecollection";
          default -> named ? "get" : query.contains("watch=true") ? "watch" : "list";
        };
    return ApiRequests.key(verb, resource, subresource);
  }

  /** Serves CRUD and counts the operator's requests by verb and resource. */
  private static final class RequestCounter extends KubernetesCrudDispatcher {
    final Map<String, LongAdder> counts = new ConcurrentHashMap<>();

    RequestCounter() {
      super(List.of());
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
      if (("Bearer " + OPERATOR_TOKEN).equals(request.getHeader("Authorization"))) {
        counts
            .computeIfAbsent(
                verbAndResource(request.getMethod(), request.getPath()), k -> new LongAdder())
            .increment();
      }
      return super.dispatch(request);
    }
  }
}
