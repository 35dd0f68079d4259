package io.qemuoperator.operator.sidecar;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qemuoperator.operator.OperatorMetrics;
import io.qemuoperator.sidecar.api.ErrorBody;
import io.qemuoperator.sidecar.api.EventPage;
import io.qemuoperator.sidecar.api.ImportProgress;
import io.qemuoperator.sidecar.api.IncomingMigration;
import io.qemuoperator.sidecar.api.MigrationInfo;
import io.qemuoperator.sidecar.api.OutgoingMigration;
import io.qemuoperator.sidecar.api.QmpError;
import io.qemuoperator.sidecar.api.ReturnBody;
import io.qemuoperator.sidecar.api.SidecarJson;
import io.qemuoperator.sidecar.api.SidecarPaths;
import io.qemuoperator.sidecar.api.VmState;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The operator's side of the sidecar's HTTP API: commands, the state snapshot and the event stream,
 * each call with the VM's bearer token and a deadline. Answers are read into the wire contract's
 * records ({@code io.qemuoperator.sidecar.api}) with its mapper settings.
 */
public final class SidecarClient implements Sidecar {
  private final HttpClient http;
  private final ObjectMapper json = SidecarJson.mapper();
  private final JavaType stateReturn = SidecarJson.returnOf(json, VmState.class);
  private final JavaType commandReturn = SidecarJson.returnOf(json, JsonNode.class);
  private final JavaType eventPage = json.constructType(EventPage.class);
  private final JavaType importProgress = json.constructType(ImportProgress.class);
  private final JavaType migrationReturn = SidecarJson.returnOf(json, MigrationInfo.class);
  private final Duration deadline;
  private final OperatorMetrics metrics;

  public SidecarClient(HttpClient http, Duration deadline, OperatorMetrics metrics) {
    this.http = http;
    this.deadline = deadline;
    this.metrics = metrics;
  }

  public static SidecarClient withDefaults(OperatorMetrics metrics) {
    return new SidecarClient(
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(3))
            .build(),
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
    ReturnBody<VmState> body =
        send("state", endpoint, get(endpoint, SidecarPaths.STATE), deadline, stateReturn);
    if (body.value() == null) {
      throw new SidecarException(
          200, "BadResponse", "no snapshot in the answer of " + endpoint.base(), null);
    }
    return VmSnapshot.from(body.value());
  }

  /**
   * {@code POST /v1/commands/NAME} with {@code arguments} (a generated record or null). Sent once:
   * when the connection drops or the deadline passes before the answer, the sidecar may have handed
   * the command to QEMU (a sidecar killed mid-command, say), so the outcome is unknown, as with the
   * sidecar's own 504; the caller observes QEMU before it sends anything again.
   */
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
        HttpRequest.newBuilder(endpoint.resolve(SidecarPaths.command(command)))
            .header("Authorization", "Bearer " + endpoint.token())
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    ReturnBody<JsonNode> answer =
        send("command", endpoint, request, deadline, commandReturn, false);
    return answer.value();
  }

  /** {@code GET /v1/events?after=SEQ&wait=S}: waits up to {@code wait} for events after SEQ. */
  @Override
  public EventPage events(SidecarEndpoint endpoint, long after, Duration wait)
      throws SidecarException {
    var request = get(endpoint, SidecarPaths.events(after, wait.toSeconds()));
    return send("events", endpoint, request, deadline.plus(wait), eventPage);
  }

  /**
   * {@code GET /v1/import}, with a short deadline ({@link #IMPORT_DEADLINE}): the answer is a few
   * hundred bytes from a process that does nothing else, and a pass that waits for it holds up
   * other VMs.
   */
  @Override
  public ImportProgress importProgress(SidecarEndpoint endpoint) throws SidecarException {
    return send(
        "import", endpoint, get(endpoint, SidecarPaths.IMPORT), IMPORT_DEADLINE, importProgress);
  }

  /** {@code GET /v1/migration}. */
  @Override
  public MigrationInfo migration(SidecarEndpoint endpoint) throws SidecarException {
    ReturnBody<MigrationInfo> body =
        send(
            "migration",
            endpoint,
            get(endpoint, SidecarPaths.MIGRATION),
            deadline,
            migrationReturn);
    return present(endpoint, body);
  }

  /**
   * {@code POST /v1/migration/incoming}. Sent once (QEMU may have started listening: a second
   * {@code migrate-incoming} is refused).
   */
  @Override
  public void migrateIncoming(SidecarEndpoint endpoint, IncomingMigration migration)
      throws SidecarException {
    send(
        "migrateIncoming",
        endpoint,
        post(endpoint, SidecarPaths.MIGRATION_INCOMING, migration),
        deadline,
        commandReturn,
        false);
  }

  /**
   * {@code POST /v1/migration/outgoing}. Sent once (QEMU may have started the migration: {@link
   * #migration} tells).
   */
  @Override
  public MigrationInfo migrateOutgoing(SidecarEndpoint endpoint, OutgoingMigration migration)
      throws SidecarException {
    ReturnBody<MigrationInfo> body =
        send(
            "migrateOutgoing",
            endpoint,
            post(endpoint, SidecarPaths.MIGRATION_OUTGOING, migration),
            deadline,
            migrationReturn,
            false);
    return present(endpoint, body);
  }

  /** {@code POST /v1/migration/cancel}. */
  @Override
  public void cancelMigration(SidecarEndpoint endpoint) throws SidecarException {
    send(
        "cancelMigration",
        endpoint,
        post(endpoint, SidecarPaths.MIGRATION_CANCEL, null),
        deadline,
        commandReturn);
  }

  private static MigrationInfo present(SidecarEndpoint endpoint, ReturnBody<MigrationInfo> body)
      throws SidecarException {
    if (body == null || body.value() == null) {
      throw new SidecarException(
          200, "BadResponse", "no migration in the answer of " + endpoint.base(), null);
    }
    return body.value();
  }

  private HttpRequest.Builder post(SidecarEndpoint endpoint, String path, Object body) {
    byte[] bytes;
    try {
      bytes = body == null ? new byte[0] : json.writeValueAsBytes(body);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot write the body of " + path, e);
    }
    return HttpRequest.newBuilder(endpoint.resolve(path))
        .header("Authorization", "Bearer " + endpoint.token())
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(bytes));
  }

  /** How long {@link #importProgress} waits for its answer. */
  static final Duration IMPORT_DEADLINE = Duration.ofSeconds(2);

  private HttpResponse<byte[]> sendOnce(HttpRequest.Builder request, Duration timeout)
      throws IOException, InterruptedException {
    return http.send(request.timeout(timeout).build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private static SidecarException interrupted(SidecarEndpoint endpoint, InterruptedException e) {
    Thread.currentThread().interrupt();
    return new SidecarException(0, "Interrupted", "interrupted calling " + endpoint.base(), e);
  }

  private static HttpRequest.Builder get(SidecarEndpoint endpoint, String pathAndQuery) {
    return HttpRequest.newBuilder(endpoint.resolve(pathAndQuery))
        .header("Authorization", "Bearer " + endpoint.token())
        .GET();
  }

  private <T> T send(
      String call,
      SidecarEndpoint endpoint,
      HttpRequest.Builder request,
      Duration timeout,
      JavaType answer)
      throws SidecarException {
    return send(call, endpoint, request, timeout, answer, true);
  }

  /**
   * @param repeatable whether the call may be sent again when its connection failed or its deadline
   *     passed: a read may; a call the sidecar may have carried out may not
   */
  private <T> T send(
      String call,
      SidecarEndpoint endpoint,
      HttpRequest.Builder request,
      Duration timeout,
      JavaType answer,
      boolean repeatable)
      throws SidecarException {
    long start = System.nanoTime();
    boolean ok = false;
    try {
      T body = read(endpoint, send(endpoint, request, timeout, repeatable), answer);
      ok = true;
      return body;
    } finally {
      metrics.sidecarCall(call, System.nanoTime() - start, ok);
    }
  }

  private HttpResponse<byte[]> send(
      SidecarEndpoint endpoint, HttpRequest.Builder request, Duration timeout, boolean repeatable)
      throws SidecarException {
    try {
      return sendOnce(request, timeout);
    } catch (IOException first) {
      if (!repeatable) {
        throw new SidecarException(
            0,
            "Unreachable",
            endpoint.base()
                + ": "
                + first
                + (first instanceof java.net.ConnectException ? "" : " (outcome unknown)"),
            first);
      }
      return sendAgain(endpoint, request, timeout, first);
    } catch (InterruptedException e) {
      throw interrupted(endpoint, e);
    }
  }

  private HttpResponse<byte[]> sendAgain(
      SidecarEndpoint endpoint, HttpRequest.Builder request, Duration timeout, IOException first)
      throws SidecarException {
    // A pooled keep-alive connection that the sidecar closed just as it was reused fails before
    // any answer: a read is sent once more, on a fresh connection. (An action is not: the same
    // failure is what a sidecar that dies with the action in it looks like.)
    try {
      return sendOnce(request, timeout);
    } catch (IOException e) {
      e.addSuppressed(first);
      throw new SidecarException(0, "Unreachable", endpoint.base() + ": " + e, e);
    } catch (InterruptedException e) {
      throw interrupted(endpoint, e);
    }
  }

  /**
   * The answer as {@code type} when the sidecar answered 200; otherwise the {@link ErrorBody}'s
   * class and desc (QEMU's own for 422) as a {@link SidecarException}.
   */
  private <T> T read(SidecarEndpoint endpoint, HttpResponse<byte[]> response, JavaType type)
      throws SidecarException {
    int status = response.statusCode();
    try {
      if (status == 200) {
        return json.readValue(response.body(), type);
      }
      ErrorBody body = json.readValue(response.body(), ErrorBody.class);
      QmpError error = body == null ? null : body.error();
      throw new SidecarException(
          status,
          error == null || error.errorClass() == null ? "Unknown" : error.errorClass(),
          error == null || error.desc() == null ? "" : error.desc(),
          null);
    } catch (IOException e) {
      throw new SidecarException(
          status, "BadResponse", "not the sidecar's contract from " + endpoint.base(), e);
    }
  }
}
