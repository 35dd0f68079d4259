package io.qemuoperator.bench.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.qemuoperator.sidecar.api.ErrorBody;
import io.qemuoperator.sidecar.api.QmpError;
import io.qemuoperator.sidecar.api.ReturnBody;
import io.qemuoperator.sidecar.api.SidecarJson;
import io.qemuoperator.sidecar.api.SidecarPaths;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;

/**
 * SIMULATED sidecars, for control-plane benchmarks only: one HTTP server on all addresses serves
 * every simulated VM; the VM is the local address the caller connected to (each pod has its own
 * loopback address, as in the local cluster). Same contract as the real sidecar, written with its
 * records and mapper ({@code io.qemuoperator.sidecar.api}): bearer token, {@code /v1/state}, {@code
 * /v1/commands/{name}}, {@code /v1/events} (long poll).
 */
public final class SidecarSimulator implements AutoCloseable {
  private final ObjectMapper json = SidecarJson.mapper();
  private final HttpServer http;
  private final Map<InetAddress, SimulatedQemu> vms = new ConcurrentHashMap<>();
  private final String instance = UUID.randomUUID().toString();

  public SidecarSimulator(int port) throws IOException {
    http = HttpServer.create(new InetSocketAddress(port), 1024);
    http.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    http.createContext("/", this::handle);
    http.start();
  }

  public int port() {
    return http.getAddress().getPort();
  }

  void add(InetAddress address, SimulatedQemu vm) {
    vms.put(address, vm);
  }

  /** Commands the simulated VMs received, in all. */
  public long commands() {
    return vms.values().stream().mapToLong(SimulatedQemu::commands).sum();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      SimulatedQemu vm = vms.get(exchange.getLocalAddress().getAddress());
      String path = exchange.getRequestURI().getPath();
      if (vm == null) {
        respond(exchange, 503, error("QmpNotConnected", "no simulated VM at this address"));
      } else if (!("Bearer " + vm.token)
          .equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
        respond(exchange, 401, error("Unauthorized", "token required"));
      } else if (path.equals(SidecarPaths.STATE)) {
        respond(exchange, 200, new ReturnBody<>(vm.state(instance)));
      } else if (path.equals(SidecarPaths.EVENTS)) {
        Map<String, String> query = query(exchange);
        respond(
            exchange,
            200,
            vm.events(
                instance,
                Long.parseLong(query.getOrDefault(SidecarPaths.AFTER, "0")),
                Duration.ofSeconds(Long.parseLong(query.getOrDefault(SidecarPaths.WAIT, "0")))));
      } else if (path.startsWith(SidecarPaths.COMMANDS)) {
        byte[] body = exchange.getRequestBody().readAllBytes();
        JsonNode args = body.length == 0 ? json.createObjectNode() : json.readTree(body);
        JsonNode result = vm.command(path.substring(SidecarPaths.COMMANDS.length()), args);
        if (result == null) {
          respond(exchange, 404, error("CommandNotFound", "not simulated: " + path));
        } else {
          respond(exchange, 200, new ReturnBody<>(result));
        }
      } else {
        respond(exchange, 404, error("NotFound", path));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static ErrorBody error(String errorClass, String desc) {
    return new ErrorBody(new QmpError(errorClass, desc));
  }

  private static Map<String, String> query(HttpExchange exchange) {
    var params = new java.util.HashMap<String, String>();
    String raw = exchange.getRequestURI().getRawQuery();
    if (raw != null) {
      for (String pair : raw.split("&")) {
        int eq = pair.indexOf('=');
        if (eq > 0) {
          params.put(pair.substring(0, eq), pair.substring(eq + 1));
        }
      }
    }
    return params;
  }

  /** Answers {@code body}, one of the contract's records. */
  private void respond(HttpExchange exchange, int status, Object body) throws IOException {
    byte[] bytes = json.writeValueAsBytes(body);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
  }

  @Override
  public void close() {
    http.stop(0);
  }
}
