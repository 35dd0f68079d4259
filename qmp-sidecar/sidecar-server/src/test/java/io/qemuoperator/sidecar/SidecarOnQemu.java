package io.qemuoperator.sidecar;

import io.qemuoperator.testing.TestingQemu;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real QEMU and a sidecar on its monitor for each test, both stopped after it: register with
 * {@code @RegisterExtension final SidecarOnQemu vm = new SidecarOnQemu();}.
 */
public final class SidecarOnQemu implements BeforeEachCallback, AfterEachCallback {
  private final TestingQemu.Options options;
  private final long consoleLogMaxBytes;
  private final UnaryOperator<SidecarConfig> customize;
  private TestingQemu qemu;
  private TestingSidecar sidecar;

  /** QEMU with {@link TestingQemu.Options#defaults()}: paused, no guest. */
  public SidecarOnQemu() {
    this(TestingQemu.Options.defaults());
  }

  public SidecarOnQemu(TestingQemu.Options options) {
    this(options, 0, UnaryOperator.identity());
  }

  private SidecarOnQemu(
      TestingQemu.Options options,
      long consoleLogMaxBytes,
      UnaryOperator<SidecarConfig> customize) {
    this.options = options;
    this.consoleLogMaxBytes = consoleLogMaxBytes;
    this.customize = customize;
  }

  /**
   * The sidecar also serves the guest's serial console ({@link TestingQemu#serialSocket()}) and its
   * log ({@link TestingQemu#serialLog()}), rotated past {@code logMaxBytes}.
   */
  public SidecarOnQemu withConsole(long logMaxBytes) {
    return new SidecarOnQemu(options, logMaxBytes, customize);
  }

  /** The sidecar runs with the configuration {@code customize} makes of the plain one. */
  public SidecarOnQemu withConfig(UnaryOperator<SidecarConfig> customize) {
    return new SidecarOnQemu(options, consoleLogMaxBytes, customize);
  }

  @Override
  public void beforeEach(ExtensionContext context) throws Exception {
    qemu = TestingQemu.start(options);
    sidecar =
        TestingSidecar.start(
            qemu.qmpSocket(),
            qemu.dir(),
            Set.of(),
            config ->
                customize.apply(
                    consoleLogMaxBytes > 0
                        ? config.withConsole(
                            qemu.serialSocket(), qemu.serialLog(), consoleLogMaxBytes)
                        : config));
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

  public TestingQemu qemu() {
    return qemu;
  }

  public TestingSidecar sidecar() {
    return sidecar;
  }
}
