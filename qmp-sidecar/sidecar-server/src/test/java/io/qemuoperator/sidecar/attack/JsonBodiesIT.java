package io.qemuoperator.sidecar.attack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bodies that are not a JSON object, nested deep, or huge (issue 18, item 8), to a sidecar with a 1
 * MiB cap: each a 400 whose text is small and the sidecar's own (nothing of the body echoed, no
 * class names of the JSON library), and the sidecar answers as before afterwards. ({@code
 * io.qemuoperator.sidecar.SidecarHttpIT} checks the same for more shapes at the default cap.)
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JsonBodiesIT {
  /** The cap, as a VM pod may set it with {@code --max-body-bytes}. */
  static final int CAP = 1 << 20;

  @RegisterExtension
  final QemuAndSidecar.PerClass vm =
      new QemuAndSidecar.PerClass(config -> SidecarConfigs.withMaxBodyBytes(config, CAP));

  static Stream<Arguments> bodies() {
    return Stream.of(
        Arguments.of("a 60 KB array", "[" + "1,".repeat(30_000) + "1]"),
        Arguments.of("a 60 KB string", "\"" + "a".repeat(60_000) + "\""),
        Arguments.of("100k nested arrays", "[".repeat(100_000) + "]".repeat(100_000)),
        Arguments.of("100k unclosed arrays", "{\"value\":" + "[".repeat(100_000)),
        Arguments.of("100k nested objects", "{\"a\":".repeat(100_000) + "1" + "}".repeat(100_000)),
        Arguments.of("a 1 MB array", "{\"value\":[" + "1,".repeat(520_000) + "1]}"),
        Arguments.of("a 1 MB number", "{\"value\":" + "1".repeat(1_040_000) + "}"),
        Arguments.of(
            "75k members",
            IntStream.range(0, 75_000)
                .mapToObj(i -> "\"m" + i + "\":1")
                .collect(Collectors.joining(",", "{", "}"))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("bodies")
  void aBodyThatIsNoArgumentsObjectIsASmall400(String name, String body) throws IOException {
    var exchange = vm.get().raw().exchange(RawHttp.command("balloon", vm.get().token(), body));
    assertThat(exchange.statuses()).as("%s: %s", name, exchange).containsExactly(400);
    String text = exchange.responses().get(0).bodyText();
    assertThat(text.length()).as("%s: %s", name, text).isLessThan(1024);
    assertThat(text)
        .as(name)
        .doesNotContain("aaaaaaaaaa", "1,1,1,1", "[[[[[[", "1111111111", "\"m1\"")
        .doesNotContain("com.fasterxml", "jackson", "Jackson", "java.", "io.qemuoperator", "`");
    long start = System.nanoTime();
    assertThat(vm.get().sidecar().command("query-status", null).status()).isEqualTo(200);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
  }
}
