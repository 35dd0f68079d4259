package io.qemuoperator.sidecar.attack;

import static org.assertj.core.api.Assertions.assertThat;

import io.qemuoperator.sidecar.SidecarConfig;
import io.qemuoperator.sidecar.TestingSidecar;
import io.qemuoperator.testing.TestingQemu;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real QEMU (paused, no guest) and the real sidecar on its monitor, for a whole test class (one
 * per test is {@link io.qemuoperator.sidecar.SidecarOnQemu}); with a raw-bytes client of the
 * sidecar and a witness of {@code stop}.
 */
record QemuAndSidecar(TestingQemu qemu, TestingSidecar sidecar, RawHttp raw, StopWitness witness)
    implements AutoCloseable {

  static QemuAndSidecar start() throws IOException {
    return start(UnaryOperator.identity());
  }

  /** With the configuration {@code customize} makes of the plain one. */
  static QemuAndSidecar start(UnaryOperator<SidecarConfig> customize) throws IOException {
    TestingQemu qemu = TestingQemu.start();
    try {
      TestingSidecar sidecar =
          TestingSidecar.start(qemu.qmpSocket(), qemu.dir(), Set.of(), customize);
      return new QemuAndSidecar(
          qemu, sidecar, new RawHttp(sidecar.uri("/").getPort()), new StopWitness(sidecar, qemu));
    } catch (IOException | RuntimeException e) {
      qemu.close();
      throw e;
    }
  }

  /** Stands for the sidecar's token in a request given to {@link #send}. */
  static final String TOKEN = "{token}";

  String token() {
    return sidecar.token();
  }

  /**
   * Sends {@code request}, its {@link #TOKEN} replaced, as UTF-8 (see {@link RawHttp#exchange}).
   */
  RawHttp.Exchange send(String request) throws IOException {
    return raw.exchange(request.replace(TOKEN, token()).getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Sends {@code request} to a running QEMU: its first answer must be one of {@code statuses} and
   * every answer a 4xx; no stop may have run, and the sidecar must answer its probe afterwards.
   */
  void assertRefused(String name, String request, Integer... statuses) throws IOException {
    witness.running();
    long before = witness.stops();
    var exchange = send(request);
    assertThat(exchange.firstStatus()).as("%s: %s", name, exchange).isIn((Object[]) statuses);
    assertThat(exchange.statuses())
        .as("%s: %s", name, exchange)
        .allMatch(s -> (s >= 400 && s < 500) || List.of(statuses).contains(s));
    assertThat(witness.stops()).as("%s: stops sent to QEMU", name).isEqualTo(before);
    assertThat(witness.runState()).as(name).isEqualTo("running");
    assertThat(sidecar.get("/healthz", false).status()).isEqualTo(200);
  }

  @Override
  public void close() {
    sidecar.close();
    qemu.close();
  }

  /**
   * One {@link QemuAndSidecar} for a whole test class ({@code @TestInstance(PER_CLASS)}, registered
   * with {@code @RegisterExtension}): started before the first test, closed after the last.
   */
  static final class PerClass implements BeforeAllCallback, AfterAllCallback {
    private final UnaryOperator<SidecarConfig> customize;
    private QemuAndSidecar vm;

    PerClass() {
      this(UnaryOperator.identity());
    }

    PerClass(UnaryOperator<SidecarConfig> customize) {
      this.customize = customize;
    }

    QemuAndSidecar get() {
      if (vm == null) {
        throw new IllegalStateException("not started: register with @RegisterExtension");
      }
      return vm;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
      vm = start(customize);
    }

    @Override
    public void afterAll(ExtensionContext context) {
      if (vm != null) {
        vm.close();
      }
    }
  }
}
