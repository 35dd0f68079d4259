package io.qemuoperator.sidecar;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.UnaryOperator;
import org.awaitility.Awaitility;

/**
 * The real sidecar, in this JVM, on a free loopback port, beside a QEMU's QMP socket; with a plain
 * JDK HTTP client for the calls a test makes.
 */
public final class TestingSidecar implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Sidecar sidecar;
  private final String token;
  private final Path tokenFile;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private TestingSidecar(Sidecar sidecar, String token, Path tokenFile) {
    this.sidecar = sidecar;
    this.token = token;
    this.tokenFile = tokenFile;
  }

  /**
   * Starts a sidecar for {@code qmpSocket}, its token in {@code dir}, and waits until it is ready.
   */
  public static TestingSidecar start(Path qmpSocket, Path dir, Set<String> allowed)
      throws IOException {
    return start(qmpSocket, dir, allowed, UnaryOperator.identity());
  }

  /**
   * Starts a sidecar for {@code qmpSocket} with the configuration {@code customize} makes of the
   * plain one (e.g. {@link SidecarConfig#withConsole}), its token in {@code dir}.
   */
  public static TestingSidecar start(
      Path qmpSocket, Path dir, Set<String> allowed, UnaryOperator<SidecarConfig> customize)
      throws IOException {
    String token = UUID.randomUUID().toString();
    Path tokenFile = Files.writeString(dir.resolve("sidecar-token-" + UUID.randomUUID()), token);
    var config =
        new SidecarConfig(
            qmpSocket,
            new InetSocketAddress("127.0.0.1", 0),
            tokenFile,
            allowed,
            SidecarConfig.DEFAULT_MAX_BODY_BYTES);
    var testing = new TestingSidecar(Sidecar.start(customize.apply(config)), token, tokenFile);
    testing.awaitReady();
    return testing;
  }

  public static TestingSidecar start(Path qmpSocket, Path dir) throws IOException {
    return start(qmpSocket, dir, Set.of());
  }

  public void awaitReady() {
    Awaitility.await("sidecar ready")
        .atMost(Duration.ofSeconds(15))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> get("/readyz", false).status() == 200);
  }

  public String instance() {
    return sidecar.instance();
  }

  /** The token the sidecar was started with. */
  public String token() {
    return token;
  }

  /** The file the sidecar reads its token from. */
  public Path tokenFile() {
    return tokenFile;
  }

  public URI uri(String path) {
    var address = sidecar.address();
    return URI.create("http://127.0.0.1:" + address.getPort() + path);
  }

  /** {@code POST /v1/commands/NAME} with the token and {@code body} (null: no body). */
  public Answer command(String name, String body) {
    return send(
        HttpRequest.newBuilder(uri("/v1/commands/" + name))
            .header("Authorization", "Bearer " + token)
            .POST(
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body)));
  }

  /** {@code POST path} with the token and {@code body} (null: no body). */
  public Answer post(String path, String body) {
    return send(
        HttpRequest.newBuilder(uri(path))
            .header("Authorization", "Bearer " + token)
            .POST(
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body)));
  }

  public Answer get(String path, boolean withToken) {
    var request = HttpRequest.newBuilder(uri(path)).GET();
    if (withToken) {
      request.header("Authorization", "Bearer " + token);
    }
    return send(request);
  }

  public Answer send(HttpRequest.Builder request) {
    try {
      HttpResponse<String> response =
          http.send(
              request.timeout(Duration.ofSeconds(70)).build(),
              HttpResponse.BodyHandlers.ofString());
      JsonNode body =
          response.headers().firstValue("Content-Type").orElse("").startsWith("application/json")
              ? JSON.readTree(response.body())
              : null;
      return new Answer(
          response.statusCode(),
          body,
          response.body(),
          response.headers().firstValue("Qmp-Sent-As"));
    } catch (IOException e) {
      throw new IllegalStateException("HTTP call to the sidecar failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    sidecar.close();
  }

  /**
   * One HTTP answer: status, JSON body (null when not JSON), raw text, and the command QEMU got.
   */
  public record Answer(int status, JsonNode json, String text, Optional<String> sentAs) {
    public JsonNode value() {
      return json.path("return");
    }

    public String errorClass() {
      return json.path("error").path("class").asText();
    }

    public String desc() {
      return json.path("error").path("desc").asText();
    }
  }
}
