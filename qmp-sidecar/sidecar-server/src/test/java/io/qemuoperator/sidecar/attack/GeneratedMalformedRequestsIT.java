package io.qemuoperator.sidecar.attack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Property-based: the sidecar's HTTP parser under generated malformed requests ({@link
 * MalformedRequests}: random mutations of a valid {@code POST /v1/commands/stop}), sent over a raw
 * socket to the real sidecar beside a real QEMU. For every one: whatever comes back is well-formed
 * HTTP answers, each a refusal (4xx, or 501/505 for a coding or a version it does not implement),
 * or nothing and a close; the stop never runs; the sidecar answers its probe afterwards.
 *
 * <p>A new seed each run, printed; {@code -Dattack.seed=N} repeats a run, {@code -Dattack.tries=N}
 * changes its length.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GeneratedMalformedRequestsIT {
  private static final int TRIES = Integer.getInteger("attack.tries", 1000);

  /** Long enough for an answer; a request the sidecar would wait on ends with the half-close. */
  private static final Duration QUIET = Duration.ofSeconds(5);

  @RegisterExtension final QemuAndSidecar.PerClass vm = new QemuAndSidecar.PerClass();
  private MalformedRequests requests;

  @BeforeAll
  void start() {
    requests = new MalformedRequests(vm.get().token());
  }

  private RawHttp.Exchange send(String request) throws IOException {
    return vm.get().raw().exchange(request.getBytes(StandardCharsets.UTF_8), true, QUIET);
  }

  @Test
  void theValidRequestRunsExactlyOneStop() throws IOException {
    long before = vm.get().witness().stops();
    var exchange = send(requests.valid());
    assertThat(exchange.statuses()).as("%s", exchange).containsExactly(200);
    assertThat(vm.get().witness().stops()).isEqualTo(before + 1);
  }

  @Test
  void everyMalformedRequestIsRefusedOrClosedAndNeverRunsTheStop() throws IOException {
    long seed = Long.getLong("attack.seed", System.nanoTime());
    var random = new SplittableRandom(seed);
    Map<String, List<String>> violations = new TreeMap<>();
    Map<String, Integer> outcomes = new TreeMap<>();
    long started = System.nanoTime();
    System.out.printf("generated malformed requests: seed %d (-Dattack.seed=%d)%n", seed, seed);
    for (int i = 0; i < TRIES; i++) {
      var request = requests.next(random);
      long before = vm.get().witness().stops();
      var exchange = send(request.request());
      outcomes.merge(exchange.statuses() + " " + exchange.end(), 1, Integer::sum);
      List<String> broken = new ArrayList<>();
      if (!exchange.wellFormed()) {
        broken.add("not well-formed HTTP");
      }
      if (!exchange.statuses().stream()
          .allMatch(s -> (s >= 400 && s < 500) || s == 501 || s == 505)) {
        broken.add("not only refusals");
      }
      long stops;
      try {
        stops = vm.get().witness().stops() - before;
      } catch (IllegalStateException e) {
        throw new AssertionError(
            "seed " + seed + ", try " + i + ": " + request + " -> " + exchange + ": " + e, e);
      }
      if (stops != 0) {
        broken.add(stops + " stop(s) ran");
      }
      int probe = vm.get().raw().status(RawHttp.get("/healthz", null), Duration.ofSeconds(2));
      if (probe != 200) {
        broken.add("the probe afterwards answered " + probe);
      }
      if (!broken.isEmpty()) {
        violations
            .computeIfAbsent(broken + " " + exchange.statuses(), kind -> new ArrayList<>())
            .add("try " + i + ": " + request + " -> " + exchange);
      }
    }
    System.out.printf(
        "%d generated malformed requests (seed %d) in %d ms: %s%n",
        TRIES, seed, Duration.ofNanos(System.nanoTime() - started).toMillis(), outcomes);
    var examples = new StringBuilder();
    violations.forEach(
        (kind, tries) -> {
          examples.append(String.format("%n%s: %d tries, e.g.", kind, tries.size()));
          tries.stream().limit(3).forEach(t -> examples.append(String.format("%n  %s", t)));
        });
    assertThat(violations.keySet())
        .as("violations with -Dattack.seed=%d:%s", seed, examples)
        .isEmpty();
  }
}
