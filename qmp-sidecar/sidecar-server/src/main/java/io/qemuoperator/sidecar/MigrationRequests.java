package io.qemuoperator.sidecar;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qemuoperator.sidecar.api.IncomingMigration;
import io.qemuoperator.sidecar.api.OutgoingMigration;
import java.io.IOException;
import java.util.List;
import java.util.function.Function;

/**
 * Reads a migration request's body strictly into its record and checks it, before QEMU is asked:
 * unknown, missing, duplicate or null members, a string for a number and a fraction for a whole
 * number are refused, then the record's own checks apply ({@link IncomingMigration#violations()},
 * {@link OutgoingMigration#violations()}). Every member is required but the optional ones: {@code
 * tls}, and within it {@code hostname}; an absent one reads as null.
 */
final class MigrationRequests {
  /** A request, or why it is refused. */
  sealed interface Read<T> {
    record Valid<T>(T request) implements Read<T> {}

    record Invalid<T>(String why) implements Read<T> {}
  }

  private final ObjectMapper json =
      JsonMapper.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
          .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
          .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
          .build();

  Read<IncomingMigration> incoming(byte[] body) {
    return read(body, IncomingMigration.class, IncomingMigration::violations);
  }

  Read<OutgoingMigration> outgoing(byte[] body) {
    return read(body, OutgoingMigration.class, OutgoingMigration::violations);
  }

  private <T> Read<T> read(byte[] body, Class<T> type, Function<T, List<String>> violations) {
    String expected =
        "the body must be a JSON object with exactly the members of " + type.getSimpleName();
    if (body.length == 0) {
      return new Read.Invalid<>(expected + "; it is empty");
    }
    T request;
    try {
      request = json.treeToValue(withOptionalMembers(json.readTree(body)), type);
    } catch (JacksonException e) {
      return new Read.Invalid<>(expected + "; it " + BodyProblem.of(e));
    } catch (IOException e) {
      return new Read.Invalid<>(expected + "; it cannot be read");
    }
    if (request == null) {
      return new Read.Invalid<>(expected + "; it is null");
    }
    List<String> found = violations.apply(request);
    return found.isEmpty()
        ? new Read.Valid<>(request)
        : new Read.Invalid<>(String.join("; ", found));
  }

  /**
   * The body with an absent {@code tls} (and {@code tls.hostname}) as an explicit null: Jackson's
   * check of missing members knows no optional ones.
   */
  private static JsonNode withOptionalMembers(JsonNode body) {
    if (body instanceof ObjectNode request) {
      if (!request.has("tls")) {
        request.putNull("tls");
      }
      if (request.get("tls") instanceof ObjectNode tls && !tls.has("hostname")) {
        tls.putNull("hostname");
      }
    }
    return body;
  }
}
