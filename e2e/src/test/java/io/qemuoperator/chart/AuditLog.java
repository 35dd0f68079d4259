package io.qemuoperator.chart;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The API server's audit log ({@code --audit-log-format json}: one audit.k8s.io/v1 Event per line)
 * read as the requests it records. Only the {@code ResponseComplete} stage counts (a watch also
 * logs {@code ResponseStarted}); a line that is not complete yet (the server is writing) is
 * skipped.
 */
final class AuditLog {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * One request: who made it, where (empty namespace for cluster-scoped requests), what, when and
   * the HTTP status it got.
   */
  record Request(String user, String namespace, ApiCall call, Instant received, int code) {}

  private AuditLog() {}

  static List<Request> read(Path file) {
    try {
      return parse(Files.readString(file));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the audit log " + file, e);
    }
  }

  static List<Request> parse(String lines) {
    return lines.lines().map(AuditLog::request).flatMap(Optional::stream).toList();
  }

  private static Optional<Request> request(String line) {
    JsonNode event;
    try {
      event = JSON.readTree(line);
    } catch (IOException e) {
      return Optional.empty(); // the last line, half written
    }
    JsonNode object = event.path("objectRef");
    if (!"ResponseComplete".equals(event.path("stage").asText()) || object.isMissingNode()) {
      return Optional.empty(); // non-resource requests (/apis, /version) have no objectRef
    }
    String resource = object.path("resource").asText();
    if (object.hasNonNull("subresource")) {
      resource += "/" + object.path("subresource").asText();
    }
    return Optional.of(
        new Request(
            event.path("user").path("username").asText(),
            object.path("namespace").asText(""),
            new ApiCall(object.path("apiGroup").asText(""), resource, event.path("verb").asText()),
            Instant.parse(event.path("requestReceivedTimestamp").asText()),
            event.path("responseStatus").path("code").asInt()));
  }
}
