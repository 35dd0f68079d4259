package io.qemuoperator.sidecar.importer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.qemuoperator.sidecar.api.ImportProgress;
import io.qemuoperator.sidecar.api.SidecarJson;
import io.qemuoperator.sidecar.api.SidecarPaths;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The importer serves its progress while it runs: an HTTP source that trickles a 4 MiB image (64
 * KiB every 40 ms, about 2.5 s) shows {@code GET /v1/import} growing, behind the bearer token (401
 * without it or with another), and the disk Done once the import ended.
 */
class ImportProgressIT {
  private static final int IMAGE = 4 << 20;
  private static final int STEP = 64 << 10;
  private static final String TOKEN = "progress-token-0123456789";

  @TempDir Path dir;
  @TempDir Path disk;

  private HttpServer source;
  private final HttpClient http = HttpClient.newHttpClient();
  private final ObjectMapper json = SidecarJson.mapper();

  @BeforeEach
  void trickle() throws IOException {
    source = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    source.createContext(
        "/slow.img",
        exchange -> {
          exchange.sendResponseHeaders(200, IMAGE);
          try (var out = exchange.getResponseBody()) {
            byte[] chunk = new byte[STEP];
            for (int sent = 0; sent < IMAGE; sent += STEP) {
              out.write(chunk);
              out.flush();
              Thread.sleep(40);
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
    source.start();
  }

  @AfterEach
  void stop() {
    source.stop(0);
    http.close();
  }

  @Test
  void progressGrowsBehindTheTokenWhileTheImageTrickles() throws Exception {
    int port;
    try (var free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = free.getLocalPort();
    }
    Path token = Files.writeString(dir.resolve("token"), TOKEN + "\n");
    String url = "http://127.0.0.1:" + source.getAddress().getPort() + "/slow.img";
    var arguments =
        ImportMain.parse(
            new String[] {
              "--termination-log", dir.resolve("termination-log").toString(),
              "--listen", "127.0.0.1:" + port,
              "--token-file", token.toString(),
              "--disk", "root",
              "--dir", disk.toString(),
              "--url", url,
              "--size", Integer.toString(IMAGE)
            });
    CompletableFuture<Integer> exit =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return ImportMain.run(arguments);
              } catch (InterruptedException e) {
                throw new IllegalStateException(e);
              }
            });
    URI endpoint = URI.create("http://127.0.0.1:" + port + SidecarPaths.IMPORT);

    var seen = new ArrayList<ImportProgress.Disk>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!exit.isDone() && System.nanoTime() < deadline) {
      HttpResponse<byte[]> answer = get(endpoint, "Bearer " + TOKEN);
      if (answer != null && answer.statusCode() == 200) {
        ImportProgress progress = json.readValue(answer.body(), ImportProgress.class);
        seen.add(progress.disks().getFirst());
        if (seen.size() == 2) {
          assertThat(get(endpoint, null).statusCode()).as("no token").isEqualTo(401);
          assertThat(get(endpoint, "Bearer " + TOKEN.replace('0', '1')).statusCode())
              .as("another token")
              .isEqualTo(401);
        }
      }
      Thread.sleep(200);
    }
    assertThat(exit.get(60, TimeUnit.SECONDS)).isZero();

    List<ImportProgress.Disk> fetching =
        seen.stream().filter(d -> d.phase().equals(ImportProgress.FETCHING)).toList();
    assertThat(fetching).as("seen while fetching: %s", seen).hasSizeGreaterThanOrEqualTo(3);
    assertThat(fetching).allSatisfy(d -> assertThat(d.name()).isEqualTo("root"));
    assertThat(fetching).allSatisfy(d -> assertThat(d.url()).isEqualTo(url));
    assertThat(fetching).allSatisfy(d -> assertThat(d.startedAt()).isNotNull());
    List<Long> bytes = fetching.stream().map(ImportProgress.Disk::bytesDone).toList();
    assertThat(bytes).as("bytes done only grow").isSorted();
    assertThat(bytes.getLast()).as("and grew").isGreaterThan(bytes.getFirst());
    assertThat(bytes.getLast()).isLessThanOrEqualTo(IMAGE);
    assertThat(fetching.getLast().bytesTotal()).as("Content-Length").isEqualTo(IMAGE);
    assertThat(disk.resolve("source.raw")).hasSize(IMAGE);
  }

  private HttpResponse<byte[]> get(URI uri, String authorization) throws InterruptedException {
    var request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).GET();
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    try {
      return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      return null; // not listening yet, or already gone
    }
  }
}
