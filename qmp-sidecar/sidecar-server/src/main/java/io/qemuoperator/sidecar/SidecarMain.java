package io.qemuoperator.sidecar;

import io.qemuoperator.sidecar.importer.ImportMain;
import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code java -jar qmp-sidecar.jar --qmp PATH --listen HOST:PORT --token-file FILE}; with {@code
 * import} first, the VM pod's disk importer instead ({@link ImportMain}).
 */
public final class SidecarMain {
  private static final Logger log = LoggerFactory.getLogger(SidecarMain.class);

  private SidecarMain() {}

  public static void main(String[] args) throws InterruptedException {
    if (args.length > 0 && args[0].equals("import")) {
      ImportMain.main(java.util.Arrays.copyOfRange(args, 1, args.length));
      return;
    }
    SidecarConfig config;
    try {
      config = SidecarConfig.parse(args, System.getenv());
    } catch (IllegalArgumentException e) {
      System.err.println("qmp-sidecar: " + e.getMessage());
      System.err.print(SidecarConfig.USAGE);
      System.exit(2);
      return;
    }
    Sidecar sidecar;
    try {
      sidecar = Sidecar.start(config);
    } catch (IOException | IllegalArgumentException e) {
      System.err.println("qmp-sidecar: cannot start: " + e.getMessage());
      System.exit(1);
      return;
    }
    log.info(
        "listening on {} for QMP at {} (instance {})",
        sidecar.address(),
        config.qmpSocket(),
        sidecar.instance());
    var stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  sidecar.close();
                  stopped.countDown();
                },
                "qmp-sidecar-shutdown"));
    stopped.await();
  }
}
