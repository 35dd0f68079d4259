package io.qemuoperator.sidecar;

import io.qemuoperator.testing.TestingQemu;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real QEMU and a sidecar on its monitor for each test, both stopped after it: register with
 * {@code @RegisterExtension final SidecarOnQemu vm = new SidecarOnQemu();}.
 */
final class SidecarOnQemu implements BeforeEachCallback, AfterEachCallback {
  private final TestingQemu.Options options;
  private final long consoleLogMaxBytes;
  private TestingQemu qemu;
  private TestingSidecar sidecar;

  /** QEMU with {@link TestingQemu.Options#defaults()}: paused, no guest. */
  SidecarOnQemu() {
    this(TestingQemu.Options.defaults());
  }

  SidecarOnQemu(TestingQemu.Options options) {
    this(options, 0);
  }

  private SidecarOnQemu(TestingQemu.Options options, long consoleLogMaxBytes) {
    this.options = options;
    this.consoleLogMaxBytes = consoleLogMaxBytes;
  }

  /**
   * The sidecar also serves the guest's serial console ({@link TestingQemu#serialSocket()}) and its
   * log ({@link TestingQemu#serialLog()}), rotated past {@code logMaxBytes}.
   */
  SidecarOnQemu withConsole(long logMaxBytes) {
    return new SidecarOnQemu(options, logMaxBytes);
  }

  @Override
  public void beforeEach(ExtensionContext context) throws Exception {
    qemu = TestingQemu.start(options);
    sidecar =
        consoleLogMaxBytes > 0
            ? TestingSidecar.start(
                qemu.qmpSocket(),
                qemu.dir(),
                java.util.Set.of(),
                config ->
                    config.withConsole(qemu.serialSocket(), qemu.serialLog(), consoleLogMaxBytes))
            : TestingSidecar.start(qemu.qmpSocket(), qemu.dir());
  }

  @Override
  public void afterEach(ExtensionContext context) {
    if (sidecar != null) {
      sidecar.close();
    }
    if (qemu != null) {
      qemu.close();
    }
  }

  TestingQemu qemu() {
    return qemu;
  }

  TestingSidecar sidecar() {
    return sidecar;
  }
}
