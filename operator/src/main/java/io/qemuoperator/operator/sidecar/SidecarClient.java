package io.qemuoperator.operator.sidecar;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qemuoperator.operator.OperatorMetrics;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The operator's side of the sidecar's HTTP API: commands, the state snapshot and the event stream,
 * each call with the VM's bearer token and a deadline.
 */
public final class SidecarClient implements Sidecar {
  private final HttpClient http;
  private final ObjectMapper json;
  private final Duration deadline;
  private final OperatorMetrics metrics;

  public SidecarClient(
      HttpClient http, ObjectMapper json, Duration deadline, OperatorMetrics metrics) {
    this.http = http;
    this.json = json;
    this.deadline = deadline;
    this.metrics = metrics;
  }

  public static SidecarClient withDefaults(OperatorMetrics metrics) {
    return new SidecarClient(
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(3))
            .build(),
        new ObjectMapper(),
        Duration.ofSeconds(30),
        metrics);
  }

  /** With metrics kept in a registry of its own (tests, tools). */
  public static SidecarClient withDefaults() {
    return withDefaults(
        new OperatorMetrics(new io.micrometer.core.instrument.simple.SimpleMeterRegistry()));
  }

  /** {@code GET /v1/state}: the snapshot (the {@code return} member). */
  @Override
  public VmSnapshot state(SidecarEndpoint endpoint) throws SidecarException {
    return VmSnapshot.from(
        send("state", endpoint, get(endpoint, "/v1/state"), deadline).path("return"));
  }

  /** {@code POST /v1/commands/NAME} with {@code arguments} (a generated record or null). */
  @Override
  public JsonNode command(SidecarEndpoint endpoint, String command, Object arguments)
      throws SidecarException {
    byte[] body;
    try {
      body = arguments == null ? new byte[0] : json.writeValueAsBytes(arguments);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot write arguments of " + command, e);
    }
    var request =
        HttpRequest.newBuilder(endpoint.resolve("/v1/commands/" + command))
            .header("Authorization", "Bearer " + endpoint.token())
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    return send("command", endpoint, request, deadline).path("return");
  }

  /** {@code GET /v1/events?after=SEQ&wait=S}: waits up to {@code wait} for events after SEQ. */
  @Override
  public EventPage events(SidecarEndpoint endpoint, long after, Duration wait)
      throws SidecarException {
    var request = get(endpoint, "/v1/events?after=" + after + "&wait=" + wait.toSeconds());
    return EventPage.from(send("events", endpoint, request, deadline.plus(wait)));
  }

  private HttpResponse<byte[]> sendOnce(HttpRequest.Builder request, Duration timeout)
      throws IOException, InterruptedException {
    return http.send(request.timeout(timeout).build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private static SidecarException interrupted(SidecarEndpoint endpoint, InterruptedException e) {
    Thread.currentThread().interrupt();
    return new SidecarException(0, "Interrupted", "interrupted calling " + endpoint.base(), e);
  }

  private static HttpRequest.Builder get(SidecarEndpoint endpoint, String path) {
    return HttpRequest.newBuilder(endpoint.resolve(path))
        .header("Authorization", "Bearer " + endpoint.token())
        .GET();
  }

  private JsonNode send(
      String call, SidecarEndpoint endpoint, HttpRequest.Builder request, Duration timeout)
      throws SidecarException {
    long start = System.nanoTime();
    boolean ok = false;
    try {
      JsonNode body = send(endpoint, request, timeout);
      ok = true;
      return body;
    } finally {
      metrics.sidecarCall(call, System.nanoTime() - start, ok);
    }
  }

  private JsonNode send(SidecarEndpoint endpoint, HttpRequest.Builder request, Duration timeout)
      throws SidecarException {
    HttpResponse<byte[]> response;
    try {
      response = sendOnce(request, timeout);
    } catch (IOException first) {
      // A pooled keep-alive connection that the sidecar closed just as it was reused fails before
      // any answer: send once more, on a fresh connection (every call here may be repeated).
      try {
        response = sendOnce(request, timeout);
      } catch (IOException e) {
        e.addSuppressed(first);
        throw new SidecarException(0, "Unreachable", endpoint.base() + ": " + e, e);
      } catch (InterruptedException e) {
        throw interrupted(endpoint, e);
      }
    } catch (InterruptedException e) {
      throw interrupted(endpoint, e);
    }
    JsonNode body;
    try {
      body = json.readTree(response.body());
    } catch (IOException e) {
      throw new SidecarException(
          response.statusCode(), "BadResponse", "not JSON from " + endpoint.base(), e);
    }
    if (response.statusCode() != 200) {
      JsonNode error = body == null ? null : body.path("error");
      throw new SidecarException(
          response.statusCode(),
          error == null ? "Unknown" : error.path("class").asText("Unknown"),
          error == null ? "" : error.path("desc").asText(""),
          null);
    }
    return body;
  }
}
