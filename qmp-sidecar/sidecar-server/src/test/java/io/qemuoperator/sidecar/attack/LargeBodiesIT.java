package io.qemuoperator.sidecar.attack;

import static org.assertj.core.api.Assertions.assertThat;

import io.qemuoperator.sidecar.SidecarOnQemu;
import io.qemuoperator.testing.RepoFiles;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Bodies over the cap from standard clients (issue 18, item 5): a client that sends its whole body
 * before it reads (the JDK's HttpClient, Python's urllib) must read the 413, not a broken pipe or a
 * reset.
 */
class LargeBodiesIT {
  @RegisterExtension
  final SidecarOnQemu vm =
      new SidecarOnQemu()
          .withConfig(config -> SidecarConfigs.withMaxBodyBytes(config, JsonBodiesIT.CAP));

  /** A JSON object of {@code mebibytes} MiB. */
  private static byte[] body(int mebibytes) {
    var body = new StringBuilder(mebibytes << 20).append("{\"x\":\"");
    body.append("a".repeat((mebibytes << 20) - 8)).append("\"}");
    return body.toString().getBytes(StandardCharsets.US_ASCII);
  }

  @ParameterizedTest(name = "{0} MiB")
  @ValueSource(ints = {4, 8})
  void theJdkHttpClientReads413(int mebibytes) throws Exception {
    var client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    var request =
        HttpRequest.newBuilder(vm.sidecar().uri("/v1/commands/query-status"))
            .header("Authorization", "Bearer " + vm.sidecar().token())
            .header("Content-Type", "application/json")
            .timeout(Duration.ofSeconds(30))
            .POST(HttpRequest.BodyPublishers.ofByteArray(body(mebibytes)))
            .build();
    HttpResponse<String> response;
    try {
      response = client.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new AssertionError("the JDK client got no answer: " + e, e);
    }
    assertThat(response.statusCode()).as(response.body()).isEqualTo(413);
    assertThat(vm.sidecar().command("query-status", null).status()).isEqualTo(200);
  }

  @ParameterizedTest(name = "{0} MiB")
  @ValueSource(ints = {4, 8})
  void pythonsUrllibReads413(int mebibytes) throws Exception {
    var builder =
        new ProcessBuilder(
                "python3",
                RepoFiles.file("hack/urllib-post.py").toString(),
                vm.sidecar().uri("/v1/commands/query-status").toString(),
                Integer.toString(mebibytes))
            .redirectErrorStream(true);
    builder.environment().put("BEARER_TOKEN", vm.sidecar().token());
    Process python = builder.start();
    String out = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertThat(python.waitFor(60, TimeUnit.SECONDS)).as("python3 ended").isTrue();
    String last = out.contains("\n") ? out.substring(out.lastIndexOf('\n') + 1) : out;
    assertThat(last).as("what urllib read (all it printed: %s)", out).isEqualTo("413");
    assertThat(vm.sidecar().command("query-status", null).status()).isEqualTo(200);
  }
}
