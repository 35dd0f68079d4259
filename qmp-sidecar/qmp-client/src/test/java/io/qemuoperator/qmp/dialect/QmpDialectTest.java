package io.qemuoperator.qmp.dialect;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The dialect's decisions from what a QEMU offers. Offers here are written by hand to cover QEMUs
 * we cannot run (an old one that still has the seed's names; one missing a modern command); what
 * real QEMU 7.2 gets is proven against the real program in {@code SeedCommandsIT}.
 */
class QmpDialectTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> SEED =
      List.of(
          "query-cpus",
          "migrate_set_speed",
          "migrate_set_downtime",
          "block_stream",
          "block_job_set_speed",
          "block_job_cancel",
          "change",
          "cpu",
          "block_passwd",
          "query-status");

  private static QemuOffer modern() {
    return new QemuOffer(
        "7.2.22",
        Set.of(
            "query-cpus-fast",
            "migrate-set-parameters",
            "block-stream",
            "block-job-set-speed",
            "block-job-cancel",
            "blockdev-change-medium",
            "change-vnc-password",
            "display-update",
            "query-status"),
        Map.of(
            "migrate-set-parameters", Set.of("max-bandwidth", "downtime-limit"),
            "block-job-set-speed", Set.of("device", "speed"),
            "block-stream", Set.of("device", "base")));
  }

  private static ObjectNode args(String json) throws Exception {
    return (ObjectNode) JSON.readTree(json);
  }

  /** Same JSON text: parsed numbers are IntNodes, the dialect writes LongNodes. */
  private static void assertJson(JsonNode actual, JsonNode expected) {
    assertThat(actual.toString()).isEqualTo(expected.toString());
  }

  private static CommandRoute.Send send(CommandRoute route) {
    assertThat(route).isInstanceOf(CommandRoute.Send.class);
    return (CommandRoute.Send) route;
  }

  @Test
  void anOldQemuThatStillHasTheSeedNamesRunsEveryCommandAsIs() {
    var dialect = QmpDialect.forOffer(new QemuOffer("1.1.0", Set.copyOf(SEED), Map.of()), SEED);

    assertThat(dialect.outcomes().values()).containsOnly(Outcome.AS_IS);
    assertThat(send(dialect.route("migrate_set_speed", null)).command())
        .isEqualTo("migrate_set_speed");
  }

  @Test
  void modernQemuGetsTranslationsEmulationAndAReasonedRefusal() {
    var dialect = QmpDialect.forOffer(modern(), SEED);

    assertThat(dialect.outcomes())
        .containsExactly(
            Map.entry("query-cpus", Outcome.TRANSLATED),
            Map.entry("migrate_set_speed", Outcome.TRANSLATED),
            Map.entry("migrate_set_downtime", Outcome.TRANSLATED),
            Map.entry("block_stream", Outcome.TRANSLATED),
            Map.entry("block_job_set_speed", Outcome.TRANSLATED),
            Map.entry("block_job_cancel", Outcome.TRANSLATED),
            Map.entry("change", Outcome.TRANSLATED),
            Map.entry("cpu", Outcome.EMULATED),
            Map.entry("block_passwd", Outcome.UNAVAILABLE),
            Map.entry("query-status", Outcome.AS_IS));
    assertThat(dialect.route("block_passwd", null))
        .isInstanceOfSatisfying(
            CommandRoute.Unavailable.class,
            unavailable ->
                assertThat(unavailable.reason())
                    .contains("QEMU 7.2.22", "'block_passwd'", "secret"));
    assertThat(dialect.route("cpu", null)).isInstanceOf(CommandRoute.Answer.class);
  }

  @Test
  void migrationSpeedAndDowntimeBecomeParametersInTheirNewUnits() throws Exception {
    var dialect = QmpDialect.forOffer(modern(), SEED);

    var speed = send(dialect.route("migrate_set_speed", args("{\"value\": 33554432}")));
    assertThat(speed.command()).isEqualTo("migrate-set-parameters");
    assertJson(speed.arguments(), args("{\"max-bandwidth\": 33554432}"));
    var negative = send(dialect.route("migrate_set_speed", args("{\"value\": -5}")));
    assertJson(negative.arguments(), args("{\"max-bandwidth\": 0}"));

    var downtime = send(dialect.route("migrate_set_downtime", args("{\"value\": 0.5}")));
    assertJson(downtime.arguments(), args("{\"downtime-limit\": 500}"));
    var whole = send(dialect.route("migrate_set_downtime", args("{\"value\": 2}")));
    assertJson(whole.arguments(), args("{\"downtime-limit\": 2000}"));
  }

  @Test
  void aTranslationIsOnlyChosenWhenTheModernCommandTakesTheArgument() {
    var withoutBandwidth =
        new QemuOffer(
            "9.9.9",
            Set.of("migrate-set-parameters"),
            Map.of("migrate-set-parameters", Set.of("downtime-limit")));
    var dialect = QmpDialect.forOffer(withoutBandwidth, SEED);

    assertThat(dialect.outcome("migrate_set_speed")).isEqualTo(Outcome.UNAVAILABLE);
    assertThat(dialect.outcome("migrate_set_downtime")).isEqualTo(Outcome.TRANSLATED);
    assertThat(dialect.outcome("query-cpus")).isEqualTo(Outcome.UNAVAILABLE);
  }

  @Test
  void blockJobCommandsAreRenamedWithTheirMembers() throws Exception {
    var dialect = QmpDialect.forOffer(modern(), SEED);

    var speed =
        send(dialect.route("block_job_set_speed", args("{\"device\":\"drive0\",\"value\":2}")));
    assertThat(speed.command()).isEqualTo("block-job-set-speed");
    assertJson(speed.arguments(), args("{\"device\":\"drive0\",\"speed\":2}"));
    var stream =
        send(dialect.route("block_stream", args("{\"device\":\"drive0\",\"base\":\"b\"}")));
    assertThat(stream.command()).isEqualTo("block-stream");
    assertJson(stream.arguments(), args("{\"device\":\"drive0\",\"base\":\"b\"}"));
  }

  @Test
  void changeSplitsIntoItsThreeModernCommands() throws Exception {
    var dialect = QmpDialect.forOffer(modern(), SEED);

    var medium =
        send(
            dialect.route(
                "change", args("{\"device\":\"cd0\",\"target\":\"/m.raw\",\"arg\":\"raw\"}")));
    assertThat(medium.command()).isEqualTo("blockdev-change-medium");
    assertJson(
        medium.arguments(),
        args("{\"device\":\"cd0\",\"filename\":\"/m.raw\",\"format\":\"raw\"}"));

    var password =
        send(
            dialect.route(
                "change", args("{\"device\":\"vnc\",\"target\":\"password\",\"arg\":\"s3\"}")));
    assertThat(password.command()).isEqualTo("change-vnc-password");
    assertJson(password.arguments(), args("{\"password\":\"s3\"}"));

    var unix =
        send(dialect.route("change", args("{\"device\":\"vnc\",\"target\":\"unix:/run/v.sock\"}")));
    assertThat(unix.command()).isEqualTo("display-update");
    assertJson(
        unix.arguments(),
        args("{\"type\":\"vnc\",\"addresses\":[{\"type\":\"unix\",\"path\":\"/run/v.sock\"}]}"));

    var inet =
        send(dialect.route("change", args("{\"device\":\"vnc\",\"target\":\"127.0.0.1:3\"}")));
    assertJson(
        inet.arguments().at("/addresses/0"),
        args("{\"type\":\"inet\",\"host\":\"127.0.0.1\",\"port\":\"5903\"}"));

    assertThat(dialect.route("change", args("{\"device\":\"vnc\",\"target\":\"password\"}")))
        .isInstanceOf(CommandRoute.Refused.class);
    assertThat(dialect.route("change", args("{\"device\":\"vnc\",\"target\":\"nonsense\"}")))
        .isInstanceOf(CommandRoute.Refused.class);
  }

  @Test
  void cpusFastRepliesAreMappedBackToTheSeedsCpuInfo() throws Exception {
    JsonNode fast =
        JSON.readTree(
            """
            [{"thread-id": 16188, "props": {"core-id": 0, "thread-id": 0, "socket-id": 0},
              "qom-path": "/machine/unattached/device[0]", "cpu-index": 0, "target": "x86_64"},
             {"thread-id": 16189, "props": {"core-id": 1, "thread-id": 0, "socket-id": 0},
              "qom-path": "/machine/unattached/device[1]", "cpu-index": 1, "target": "x86_64"}]
            """);
    var route = send(QmpDialect.forOffer(modern(), SEED).route("query-cpus", null));

    JsonNode seed = route.reply().apply(fast);

    assertThat(seed).hasSize(2);
    assertThat(seed.get(0).path("CPU").asLong()).isZero();
    assertThat(seed.get(0).path("thread_id").asLong()).isEqualTo(16188);
    assertThat(seed.get(0).path("current").asBoolean()).isTrue();
    assertThat(seed.get(1).path("current").asBoolean()).isFalse();
    assertThat(seed.get(1).path("halted").isBoolean()).isTrue();
    assertThat(seed.get(1).path("qom-path").asText()).isEqualTo("/machine/unattached/device[1]");
    assertThat(seed.get(1).has("cpu-index")).isFalse();
  }
}
