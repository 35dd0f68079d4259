package io.qemuoperator.bench.http;

import io.qemuoperator.qmp.QmpClient;
import io.qemuoperator.qmp.QmpClientOptions;
import io.qemuoperator.sidecar.BearerToken;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * One {@link HttpFront} as its own process, started by {@link FrontProcess}: connects the project's
 * {@link QmpClient} to QEMU, then serves until SIGTERM.
 *
 * <pre>
 * HttpFrontMain --server sidecar|jetty|helidon|vertx --qmp SOCKET --listen HOST:PORT
 *               --token-file FILE --max-body-bytes N
 * </pre>
 */
public final class HttpFrontMain {
  private HttpFrontMain() {}

  public static void main(String[] args) throws Exception {
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    Map<String, String> flags = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      flags.put(args[i].replaceFirst("^--", ""), args[i + 1]);
    }
    HttpFront.Server server = HttpFront.Server.of(flags.get("server"));
    String[] listen = flags.get("listen").split(":");
    var address = new InetSocketAddress(listen[0], Integer.parseInt(listen[1]));
    QmpClient qmp = QmpClient.start(QmpClientOptions.defaults(Path.of(flags.get("qmp"))));
    if (!qmp.awaitRunning(Duration.ofSeconds(30))) {
      throw new IllegalStateException("no QMP session on " + flags.get("qmp"));
    }
    var service =
        new FrontService(
            qmp,
            BearerToken.fromFile(Path.of(flags.get("token-file"))),
            Integer.parseInt(flags.get("max-body-bytes")));
    HttpFront front = HttpFront.start(server, address, service);
    var stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    front.close();
                  } catch (Exception e) {
                    // exiting anyway
                  }
                  qmp.close();
                  stopped.countDown();
                }));
    stopped.await();
  }
}
