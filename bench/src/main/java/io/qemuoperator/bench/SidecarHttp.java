package io.qemuoperator.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The sidecar's HTTP API as the operator will call it: the JDK {@link HttpClient}, HTTP/1.1 with
 * keep-alive, a bearer token. Replies are read as bytes and not parsed, like {@link DirectQmp}.
 */
final class SidecarHttp {
  private final HttpClient http;
  private final HttpRequest queryStatus;
  private final HttpRequest state;

  SidecarHttp(HttpClient http, URI base, String token) {
    this.http = http;
    this.queryStatus =
        HttpRequest.newBuilder(base.resolve("/v1/commands/query-status"))
            .header("Authorization", "Bearer " + token)
            .timeout(Duration.ofSeconds(10))
            .POST(HttpRequest.BodyPublishers.noBody())
            .build();
    this.state =
        HttpRequest.newBuilder(base.resolve("/v1/state"))
            .header("Authorization", "Bearer " + token)
            .timeout(Duration.ofSeconds(10))
            .GET()
            .build();
  }

  /** A client for the benchmark: HTTP/1.1 (keep-alive by default), no redirects. */
  static HttpClient newClient() {
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(2))
        .build();
  }

  byte[] queryStatus() throws IOException, InterruptedException {
    return send(queryStatus);
  }

  byte[] state() throws IOException, InterruptedException {
    return send(state);
  }

  private byte[] send(HttpRequest request) throws IOException, InterruptedException {
    HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
    if (response.statusCode() != 200) {
      throw new IOException(
          request.uri()
              + " answered "
              + response.statusCode()
              + ": "
              + new String(response.body(), java.nio.charset.StandardCharsets.UTF_8));
    }
    return response.body();
  }
}
