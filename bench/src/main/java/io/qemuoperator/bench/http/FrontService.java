package io.qemuoperator.bench.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qemuoperator.qmp.QmpClient;
import io.qemuoperator.sidecar.BearerToken;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/**
 * What every {@link HttpFront} serves, so the fronts differ only in their HTTP server: the bearer
 * token check (constant time, the sidecar's {@link BearerToken}), {@code query-status} forwarded
 * through the project's {@link QmpClient}, and the fixed answers. A request body larger than {@link
 * #maxBodyBytes()} is refused with 413 by each front in its server's own way.
 */
public final class FrontService {
  static final String HEALTHZ = "/healthz";
  static final String QUERY_STATUS = "/v1/commands/query-status";
  static final String JSON = "application/json";
  static final byte[] ALIVE = "{\"status\":\"ok\"}".getBytes(StandardCharsets.UTF_8);
  static final byte[] UNAUTHORIZED = error("Unauthorized", "a valid bearer token is required");
  static final byte[] TOO_LARGE = error("PayloadTooLarge", "the request body is too large");
  static final byte[] NOT_FOUND = error("NotFound", "no such endpoint");
  static final byte[] NOT_A_JSON_OBJECT = error("BadRequest", "the body is not a JSON object");

  private final QmpClient qmp;
  private final BearerToken token;
  private final int maxBodyBytes;
  private final ObjectMapper json = JsonMapper.builder().build();

  public FrontService(QmpClient qmp, BearerToken token, int maxBodyBytes) {
    this.qmp = qmp;
    this.token = token;
    this.maxBodyBytes = maxBodyBytes;
  }

  int maxBodyBytes() {
    return maxBodyBytes;
  }

  boolean authorized(String authorizationHeader) {
    return token.accepts(authorizationHeader);
  }

  /** An empty body or a JSON object is accepted as the command's (unused) arguments. */
  boolean acceptableArguments(byte[] body) {
    if (body.length == 0) {
      return true;
    }
    try {
      return json.readTree(body) instanceof ObjectNode;
    } catch (java.io.IOException e) {
      return false;
    }
  }

  /** {@code {"return": …}} of QEMU's answer, or {@code {"error": …}} with QMP's class and desc. */
  CompletableFuture<byte[]> queryStatus() {
    return qmp.execute("query-status", null)
        .handle(
            (reply, failure) -> {
              ObjectNode body = json.createObjectNode();
              if (failure == null) {
                body.set("return", reply);
              } else {
                ObjectNode error = body.putObject("error");
                error.put("class", "QmpFailure");
                error.put("desc", String.valueOf(failure.getMessage()));
              }
              try {
                return json.writeValueAsBytes(body);
              } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
              }
            });
  }

  /** Whether the answer built by {@link #queryStatus()} is QEMU's return value. */
  static int statusOf(byte[] answer) {
    return answer.length > 2 && answer[2] == 'r' ? 200 : 502;
  }

  private static byte[] error(String errorClass, String desc) {
    return ("{\"error\":{\"class\":\"" + errorClass + "\",\"desc\":\"" + desc + "\"}}")
        .getBytes(StandardCharsets.UTF_8);
  }
}
