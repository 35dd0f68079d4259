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
  private TestingQemu qemu;
  private TestingSidecar sidecar;

  /** QEMU with {@link TestingQemu.Options#defaults()}: paused, no guest. */
  SidecarOnQemu() {
    this(TestingQemu.Options.defaults());
  }

  SidecarOnQemu(TestingQemu.Options options) {
    this.options = options;
  }

  @Override
  public void beforeEach(ExtensionContext context) throws Exception {
    qemu = TestingQemu.start(options);
    sidecar = TestingSidecar.start(qemu.qmpSocket(), qemu.dir());
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
