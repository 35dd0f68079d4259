package io.qemuoperator.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GuestImageServerTest {
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void servesTheFolderAndFollowsLinksButNothingOutsideIt(@TempDir Path dir) throws Exception {
    Path images = Files.createDirectories(dir.resolve("images"));
    Path build = Files.write(dir.resolve("disk.qcow2"), new byte[] {'Q', 'F', 'I', (byte) 0xfb});
    Files.createSymbolicLink(images.resolve("guest.qcow2"), build);
    Files.writeString(dir.resolve("secret"), "not an image");
    try (var server = GuestImageServer.start(images, "127.0.0.1:0")) {
      URI base = server.url();

      HttpResponse<byte[]> image = get(base.resolve("guest.qcow2"), "GET");
      assertThat(image.statusCode()).isEqualTo(200);
      assertThat(image.body()).containsExactly('Q', 'F', 'I', (byte) 0xfb);

      HttpResponse<byte[]> head = get(base.resolve("guest.qcow2"), "HEAD");
      assertThat(head.statusCode()).isEqualTo(200);
      assertThat(head.headers().firstValue("Content-Length")).hasValue("4");

      assertThat(get(base.resolve("missing.qcow2"), "GET").statusCode()).isEqualTo(404);
      assertThat(get(URI.create(base + "..%2Fsecret"), "GET").statusCode()).isEqualTo(404);
      assertThat(get(base.resolve("guest.qcow2"), "DELETE").statusCode()).isEqualTo(405);
    }
  }

  private HttpResponse<byte[]> get(URI uri, String method) throws Exception {
    return http.send(
        HttpRequest.newBuilder(uri).method(method, HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }
}
