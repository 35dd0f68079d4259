package io.qemuoperator.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.qemuoperator.testing.RawQmp;
import io.qemuoperator.testing.TestingQemu;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.StreamSupport;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Every one of the seed schema's 46 commands, through the sidecar's HTTP API, against real QEMU:
 * one test per row of qemu-compat.md, in its order. Effects are checked where QEMU makes them
 * visible: over a second, independent QMP monitor ({@link RawQmp}, not our client), on disk, or in
 * /proc.
 */
class SeedCommandsIT {
  private final List<AutoCloseable> opened = new ArrayList<>();
  private TestingQemu qemu;
  private TestingSidecar sidecar;
  private RawQmp observer;

  private void start(Set<String> allowed, String... extraQemuArgs) throws Exception {
    qemu = TestingQemu.start(TestingQemu.Options.defaults().withExtraArgs(extraQemuArgs));
    opened.add(qemu);
    sidecar = TestingSidecar.start(qemu.qmpSocket(), qemu.dir(), allowed);
    opened.add(sidecar);
    observer = RawQmp.connect(qemu.observerSocket());
    opened.add(observer);
  }

  private void start() throws Exception {
    start(Set.of());
  }

  @AfterEach
  void closeAll() throws Exception {
    for (int i = opened.size() - 1; i >= 0; i--) {
      opened.get(i).close();
    }
  }

  private TestingSidecar.Answer ok(String command, String args) {
    var answer = sidecar.command(command, args);
    assertThat(answer.status()).as("%s %s -> %s", command, args, answer.text()).isEqualTo(200);
    return answer;
  }

  private JsonNode observe(String command, String args) throws Exception {
    JsonNode reply = observer.execute(command, args);
    assertThat(reply.has("return")).as("observer %s: %s", command, reply).isTrue();
    return reply.get("return");
  }

  private List<String> eventNames() {
    var answer = sidecar.get("/v1/events?after=0", true);
    assertThat(answer.status()).isEqualTo(200);
    return StreamSupport.stream(answer.json().path("events").spliterator(), false)
        .map(e -> e.path("event").asText())
        .toList();
  }

  private void awaitEvent(String name) {
    Awaitility.await(name + " event")
        .atMost(Duration.ofSeconds(10))
        .until(() -> eventNames().contains(name));
  }

  private static JsonNode device(JsonNode blocks, String device) {
    for (JsonNode block : blocks) {
      if (block.path("device").asText().equals(device)) {
        return block;
      }
    }
    throw new AssertionError("no device " + device + " in " + blocks);
  }

  // 1
  @Test
  void queryName() throws Exception {
    start();
    assertThat(ok("query-name", null).value().path("name").asText()).isEqualTo("testing-vm");
  }

  // 2
  @Test
  void queryVersion() throws Exception {
    start();
    JsonNode version = ok("query-version", null).value();
    assertThat(version.at("/qemu/major").asInt()).isGreaterThanOrEqualTo(7);
    assertThat(version.path("package").isTextual()).isTrue();
    assertThat(version).isEqualTo(observe("query-version", null));
  }

  // 3
  @Test
  void queryKvm() throws Exception {
    start();
    JsonNode kvm = ok("query-kvm", null).value();
    assertThat(kvm.path("enabled").asBoolean()).as("TCG in tests").isFalse();
    assertThat(kvm.path("present").isBoolean()).isTrue();
  }

  // 4
  @Test
  void queryStatus() throws Exception {
    start();
    JsonNode status = ok("query-status", null).value();
    assertThat(status.path("status").asText()).isEqualTo("prelaunch");
    assertThat(status.path("running").asBoolean()).isFalse();
  }

  // 5
  @Test
  void queryUuid() throws Exception {
    start(Set.of(), "-uuid", "11111111-2222-3333-4444-555555555555");
    assertThat(ok("query-uuid", null).value().path("UUID").asText())
        .isEqualTo("11111111-2222-3333-4444-555555555555");
  }

  // 6
  @Test
  void queryChardev() throws Exception {
    start();
    JsonNode chardevs = ok("query-chardev", null).value();
    assertThat(chardevs).isNotEmpty();
    assertThat(chardevs).allSatisfy(c -> assertThat(c.path("label").isTextual()).isTrue());
    assertThat(chardevs.toString()).contains(qemu.qmpSocket().toString());
  }

  // 7
  @Test
  void queryCommands() throws Exception {
    start();
    List<String> names =
        StreamSupport.stream(ok("query-commands", null).value().spliterator(), false)
            .map(c -> c.path("name").asText())
            .toList();
    assertThat(names).contains("query-status", "cont", "migrate-set-parameters");
  }

  // 8
  @Test
  void queryMigrate() throws Exception {
    start();
    assertThat(ok("query-migrate", null).value().has("ram")).isFalse();
  }

  // 9
  @Test
  void queryMice() throws Exception {
    start();
    JsonNode mice = ok("query-mice", null).value();
    assertThat(mice).isNotEmpty();
    assertThat(mice.get(0).path("name").asText()).contains("Mouse");
  }

  // 10
  @Test
  void queryCpusIsTranslatedToQueryCpusFastAndMappedBack() throws Exception {
    start();
    var answer = ok("query-cpus", null);
    assertThat(answer.sentAs()).contains("query-cpus-fast");
    JsonNode cpus = answer.value();
    assertThat(cpus).hasSize(2);
    for (JsonNode cpu : cpus) {
      long threadId = cpu.path("thread_id").asLong();
      assertThat(Path.of("/proc", Long.toString(qemu.pid()), "task", Long.toString(threadId)))
          .as("thread_id is a real thread of the QEMU process")
          .exists();
    }
    assertThat(cpus.get(0).path("CPU").asInt()).isZero();
    assertThat(cpus.get(1).path("CPU").asInt()).isOne();
    assertThat(cpus.get(0).path("current").asBoolean()).isTrue();
  }

  // 11
  @Test
  void queryBlock() throws Exception {
    start();
    JsonNode blocks = ok("query-block", null).value();
    JsonNode drive = device(blocks, "drive0");
    assertThat(drive.at("/inserted/file").asText()).isEqualTo(qemu.disk().toString());
    assertThat(drive.at("/inserted/drv").asText()).isEqualTo("qcow2");
    assertThat(device(blocks, "cd0").path("removable").asBoolean()).isTrue();
  }

  // 12
  @Test
  void queryBlockstats() throws Exception {
    start();
    JsonNode stats = device(ok("query-blockstats", null).value(), "drive0");
    assertThat(stats.at("/stats/rd_bytes").isIntegralNumber()).isTrue();
  }

  // 13
  @Test
  void queryVnc() throws Exception {
    Path vnc = Files.createTempDirectory("qo-vnc").resolve("vnc.sock");
    start(Set.of(), "-vnc", "unix:" + vnc + ",password=on");
    JsonNode info = ok("query-vnc", null).value();
    assertThat(info.path("enabled").asBoolean()).isTrue();
    assertThat(info.path("service").asText()).isEqualTo(vnc.toString());
  }

  // 14
  @Test
  void querySpice() throws Exception {
    start();
    var answer = sidecar.command("query-spice", null);
    // Debian builds QEMU with SPICE; without -spice it reports itself disabled.
    assertThat(answer.status()).as(answer.text()).isEqualTo(200);
    assertThat(answer.value().path("enabled").asBoolean()).isFalse();
  }

  // 15
  @Test
  void queryBalloon() throws Exception {
    start();
    assertThat(ok("query-balloon", null).value().path("actual").asLong())
        .isEqualTo(128L * 1024 * 1024);
  }

  // 16
  @Test
  void queryPci() throws Exception {
    start();
    JsonNode buses = ok("query-pci", null).value();
    List<String> ids =
        StreamSupport.stream(buses.get(0).path("devices").spliterator(), false)
            .map(d -> d.path("qdev_id").asText())
            .toList();
    assertThat(ids).contains("disk0", "balloon0");
  }

  // 17
  @Test
  void quitIsGuardedAndWhenAllowedEndsQemu() throws Exception {
    start();
    var refused = sidecar.command("quit", null);
    assertThat(refused.status()).isEqualTo(403);
    assertThat(refused.errorClass()).isEqualTo("CommandDisabled");
    assertThat(qemu.alive()).isTrue();
    closeAll();
    opened.clear();

    start(Set.of("quit"));
    ok("quit", null);
    Awaitility.await("QEMU exits").atMost(Duration.ofSeconds(10)).until(() -> !qemu.alive());
    Awaitility.await("sidecar not ready")
        .atMost(Duration.ofSeconds(10))
        .until(() -> sidecar.get("/readyz", false).status() == 503);
  }

  // 18
  @Test
  void stop() throws Exception {
    start();
    ok("cont", null);
    ok("stop", null);
    assertThat(observer.runState()).isEqualTo("paused");
    awaitEvent("STOP");
  }

  // 19
  @Test
  void systemReset() throws Exception {
    start();
    ok("system_reset", null);
    awaitEvent("RESET");
  }

  // 20
  @Test
  void systemPowerdown() throws Exception {
    start();
    ok("cont", null);
    ok("system_powerdown", null);
    awaitEvent("POWERDOWN");
    assertThat(observer.runState()).as("no guest OS to act on it").isEqualTo("running");
  }

  // 21
  @Test
  void cpuIsTheNoOpTheSchemaSaysItIs() throws Exception {
    start();
    var answer = ok("cpu", "{\"index\": 1}");
    assertThat(answer.value().isObject()).isTrue();
    assertThat(answer.value()).isEmpty();
    assertThat(answer.sentAs()).as("answered by the sidecar, QEMU has no 'cpu'").isEmpty();
    assertThat(sidecar.command("cpu", "{}").status()).as("index is required").isEqualTo(400);
  }

  // 22
  @Test
  void memsaveIsGuardedAndWhenAllowedWritesTheFile() throws Exception {
    start(Set.of("memsave"));
    Path out = qemu.dir().resolve("memsave.bin");
    ok("memsave", "{\"val\":0,\"size\":4096,\"filename\":\"" + out + "\",\"cpu-index\":1}");
    assertThat(out).hasSize(4096);
    var bad =
        sidecar.command(
            "memsave", "{\"val\":0,\"size\":4096,\"filename\":\"" + out + "\",\"cpu-index\":7}");
    assertThat(bad.status()).isEqualTo(422);
    assertThat(bad.desc()).contains("cpu-index");
  }

  // 23
  @Test
  void pmemsaveIsGuardedAndWhenAllowedWritesTheFile() throws Exception {
    start();
    Path out = qemu.dir().resolve("pmemsave.bin");
    String args = "{\"val\":0,\"size\":4096,\"filename\":\"" + out + "\"}";
    assertThat(sidecar.command("pmemsave", args).status()).isEqualTo(403);
    assertThat(out).doesNotExist();
    closeAll();
    opened.clear();

    start(Set.of("pmemsave"));
    out = qemu.dir().resolve("pmemsave.bin");
    ok("pmemsave", "{\"val\":0,\"size\":4096,\"filename\":\"" + out + "\"}");
    assertThat(out).hasSize(4096);
  }

  // 24
  @Test
  void cont() throws Exception {
    start();
    ok("cont", null);
    assertThat(observer.runState()).isEqualTo("running");
    awaitEvent("RESUME");
  }

  // 25
  @Test
  void injectNmi() throws Exception {
    start();
    ok("cont", null);
    ok("inject-nmi", null);
    assertThat(observer.runState()).isEqualTo("running");
  }

  // 26
  @Test
  void setLink() throws Exception {
    start();
    ok("set_link", "{\"name\":\"nic0\",\"up\":false}");
    var unknown = sidecar.command("set_link", "{\"name\":\"nosuchnic\",\"up\":false}");
    assertThat(unknown.status()).isEqualTo(422);
    assertThat(unknown.errorClass()).isEqualTo("DeviceNotFound");
    assertThat(unknown.desc()).isEqualTo("Device 'nosuchnic' not found");
    assertThat(sidecar.command("set_link", "{\"name\":\"nic0\",\"up\":\"yes\"}").status())
        .isEqualTo(400);
  }

  // 27
  @Test
  void blockPasswdIsRefusedWithTheReasonAndTheQemuVersion() throws Exception {
    start();
    var answer = sidecar.command("block_passwd", "{\"device\":\"drive0\",\"password\":\"secret\"}");
    assertThat(answer.status()).isEqualTo(501);
    assertThat(answer.errorClass()).isEqualTo("CommandUnavailable");
    String version = observe("query-version", null).at("/qemu/major").asText();
    assertThat(answer.desc()).contains("QEMU " + version + ".", "block_passwd", "secret");
  }

  // 28
  @Test
  void balloon() throws Exception {
    start();
    ok("balloon", "{\"value\":134217728}");
    var zero = sidecar.command("balloon", "{\"value\":0}");
    assertThat(zero.status()).isEqualTo(422);
    // QEMU's own text, passed through: it named its internal variable 'target' until it fixed the
    // message to the argument's name ("balloon: Fix a misleading error message", late 2023).
    assertThat(zero.errorClass()).isEqualTo("GenericError");
    assertThat(zero.desc()).matches("Parameter '(target|value)' expects a size");
    var text = sidecar.command("balloon", "{\"value\":\"134217728\"}");
    assertThat(text.status()).isEqualTo(400);
    assertThat(text.errorClass()).isEqualTo("InvalidArguments");
    assertThat(text.desc()).contains("value", "int");
  }

  // 29
  @Test
  void blockResizeGrowsTheQcow2() throws Exception {
    start();
    assertThat(qemu.diskVirtualSize()).isEqualTo(64L << 20);
    ok("block_resize", "{\"device\":\"drive0\",\"size\":134217728}");
    assertThat(qemu.diskVirtualSize()).isEqualTo(128L << 20);
    var cd = sidecar.command("block_resize", "{\"device\":\"cd0\",\"size\":134217728}");
    assertThat(cd.status()).isEqualTo(422);
    assertThat(cd.desc()).contains("Permission conflict");
  }

  // 30
  @Test
  void blockdevSnapshotSync() throws Exception {
    start();
    Path overlay = qemu.dir().resolve("overlay1.qcow2");
    ok(
        "blockdev-snapshot-sync",
        "{\"device\":\"drive0\",\"snapshot-file\":\"" + overlay + "\",\"format\":\"qcow2\"}");
    JsonNode drive = device(observe("query-block", null), "drive0");
    assertThat(drive.at("/inserted/file").asText()).isEqualTo(overlay.toString());
    assertThat(drive.at("/inserted/backing_file").asText()).isEqualTo(qemu.disk().toString());
  }

  // 31
  @Test
  void humanMonitorCommandIsGuardedAndWhenAllowedRuns() throws Exception {
    start();
    assertThat(
            sidecar.command("human-monitor-command", "{\"command-line\":\"info status\"}").status())
        .isEqualTo(403);
    closeAll();
    opened.clear();

    start(Set.of("human-monitor-command"));
    assertThat(ok("human-monitor-command", "{\"command-line\":\"info status\"}").value().asText())
        .startsWith("VM status: paused (prelaunch)");
  }

  // 32
  @Test
  void migrateCancel() throws Exception {
    start();
    ok("migrate_cancel", null);
  }

  // 33
  @Test
  void migrateSetDowntimeIsTranslatedToMilliseconds() throws Exception {
    start();
    var answer = ok("migrate_set_downtime", "{\"value\":0.5}");
    assertThat(answer.sentAs()).contains("migrate-set-parameters");
    assertThat(observe("query-migrate-parameters", null).path("downtime-limit").asLong())
        .isEqualTo(500);
  }

  // 34
  @Test
  void migrateSetSpeedIsTranslatedToMaxBandwidth() throws Exception {
    start();
    var answer = ok("migrate_set_speed", "{\"value\":33554432}");
    assertThat(answer.sentAs()).contains("migrate-set-parameters");
    assertThat(observe("query-migrate-parameters", null).path("max-bandwidth").asLong())
        .isEqualTo(33554432);
    ok("migrate_set_speed", "{\"value\":-1}");
    assertThat(observe("query-migrate-parameters", null).path("max-bandwidth").asLong())
        .as("the seed rounds a negative speed up to zero")
        .isZero();
  }

  // 35
  @Test
  void qomList() throws Exception {
    start();
    List<String> names =
        StreamSupport.stream(
                ok("qom-list", "{\"path\":\"/machine/peripheral\"}").value().spliterator(), false)
            .map(p -> p.path("name").asText())
            .toList();
    assertThat(names).contains("disk0", "balloon0", "cddev0");
  }

  // 36
  @Test
  void qomGet() throws Exception {
    start();
    assertThat(ok("qom-get", "{\"path\":\"balloon0\",\"property\":\"type\"}").value().asText())
        .isEqualTo("virtio-balloon-pci");
    var missing =
        sidecar.command("qom-get", "{\"path\":\"/machine/peripheral/nope\",\"property\":\"type\"}");
    assertThat(missing.status()).isEqualTo(422);
    assertThat(missing.errorClass()).isEqualTo("DeviceNotFound");
  }

  // 37
  @Test
  void qomSetIsGuardedAndWhenAllowedSets() throws Exception {
    start(Set.of("qom-set"));
    ok(
        "qom-set",
        "{\"path\":\"/machine/peripheral/balloon0\",\"property\":\"guest-stats-polling-interval\",\"value\":5}");
    assertThat(
            observe(
                    "qom-get",
                    "{\"path\":\"/machine/peripheral/balloon0\",\"property\":\"guest-stats-polling-interval\"}")
                .asInt())
        .isEqualTo(5);
  }

  // 38
  @Test
  void setPassword() throws Exception {
    Path vnc = qemuScratch("vnc.sock");
    start(Set.of(), "-vnc", "unix:" + vnc + ",password=on");
    ok("set_password", "{\"protocol\":\"vnc\",\"password\":\"secret3\",\"connected\":\"keep\"}");
    var rdp = sidecar.command("set_password", "{\"protocol\":\"rdp\",\"password\":\"x\"}");
    assertThat(rdp.status()).isEqualTo(422);
    assertThat(rdp.desc()).contains("rdp");
  }

  // 39
  @Test
  void expirePassword() throws Exception {
    Path vnc = qemuScratch("vnc.sock");
    start(Set.of(), "-vnc", "unix:" + vnc + ",password=on");
    ok("expire_password", "{\"protocol\":\"vnc\",\"time\":\"+60\"}");
  }

  // 40
  @Test
  void ejectOpensTheTray() throws Exception {
    start();
    ok("eject", "{\"device\":\"cd0\"}");
    JsonNode cd = device(observe("query-block", null), "cd0");
    assertThat(cd.path("tray_open").asBoolean()).isTrue();
    assertThat(cd.has("inserted")).isFalse();
    var fixed = sidecar.command("eject", "{\"device\":\"drive0\"}");
    assertThat(fixed.status()).isEqualTo(422);
    assertThat(fixed.desc()).contains("not removable");
  }

  // 41
  @Test
  void changeVncPassword() throws Exception {
    Path vnc = qemuScratch("vnc.sock");
    start(Set.of(), "-vnc", "unix:" + vnc + ",password=on");
    ok("change-vnc-password", "{\"password\":\"secret1\"}");
  }

  // 42
  @Test
  void changeIsTranslatedForMediaVncPasswordAndVncAddress() throws Exception {
    Path vnc = qemuScratch("vnc.sock");
    start(Set.of(), "-vnc", "unix:" + vnc + ",password=on");
    Path media = qemu.dir().resolve("media2.raw");
    Files.write(media, new byte[2 << 20]);

    var medium = ok("change", "{\"device\":\"cd0\",\"target\":\"" + media + "\",\"arg\":\"raw\"}");
    assertThat(medium.sentAs()).contains("blockdev-change-medium");
    assertThat(device(observe("query-block", null), "cd0").at("/inserted/file").asText())
        .isEqualTo(media.toString());

    var password = ok("change", "{\"device\":\"vnc\",\"target\":\"password\",\"arg\":\"pw\"}");
    assertThat(password.sentAs()).contains("change-vnc-password");

    Path vnc2 = qemu.dir().resolve("vnc2.sock");
    var address = ok("change", "{\"device\":\"vnc\",\"target\":\"unix:" + vnc2 + "\"}");
    assertThat(address.sentAs()).contains("display-update");
    assertThat(observe("query-vnc", null).path("service").asText()).isEqualTo(vnc2.toString());
  }

  // 43
  @Test
  void blockSetIoThrottle() throws Exception {
    start();
    ok(
        "block_set_io_throttle",
        "{\"device\":\"drive0\",\"bps\":10485760,\"bps_rd\":0,\"bps_wr\":0,\"iops\":0,\"iops_rd\":0,\"iops_wr\":0}");
    assertThat(device(observe("query-block", null), "drive0").at("/inserted/bps").asLong())
        .isEqualTo(10485760);
  }

  // 44
  @Test
  void blockStreamIsTranslatedAndPullsTheBackingFileIn() throws Exception {
    start();
    Path overlay = qemu.dir().resolve("overlay.qcow2");
    observe(
        "blockdev-snapshot-sync",
        "{\"device\":\"drive0\",\"snapshot-file\":\"" + overlay + "\",\"format\":\"qcow2\"}");
    var answer = ok("block_stream", "{\"device\":\"drive0\"}");
    assertThat(answer.sentAs()).contains("block-stream");
    awaitEvent("BLOCK_JOB_COMPLETED");
    assertThat(device(observe("query-block", null), "drive0").at("/inserted").has("backing_file"))
        .isFalse();
  }

  /** A stream job that stays alive long enough to be steered: 8 MiB of data streamed at 1 MiB/s. */
  private void startSlowStream() throws Exception {
    observe(
        "human-monitor-command",
        "{\"command-line\":\"qemu-io drive0 \\\"write -P 0xab 0 8M\\\"\"}");
    Path overlay = qemu.dir().resolve("overlay.qcow2");
    observe(
        "blockdev-snapshot-sync",
        "{\"device\":\"drive0\",\"snapshot-file\":\"" + overlay + "\",\"format\":\"qcow2\"}");
    observe("block-stream", "{\"device\":\"drive0\",\"speed\":1048576}");
  }

  // 45
  @Test
  void blockJobSetSpeedIsTranslated() throws Exception {
    start();
    var none = sidecar.command("block_job_set_speed", "{\"device\":\"drive0\",\"value\":2097152}");
    assertThat(none.status()).isEqualTo(422);
    assertThat(none.errorClass()).isEqualTo("DeviceNotActive");

    startSlowStream();
    var answer = ok("block_job_set_speed", "{\"device\":\"drive0\",\"value\":2097152}");
    assertThat(answer.sentAs()).contains("block-job-set-speed");
    assertThat(observe("query-block-jobs", null).get(0).path("speed").asLong()).isEqualTo(2097152);
  }

  // 46
  @Test
  void blockJobCancelIsTranslated() throws Exception {
    start();
    startSlowStream();
    var answer = ok("block_job_cancel", "{\"device\":\"drive0\"}");
    assertThat(answer.sentAs()).contains("block-job-cancel");
    awaitEvent("BLOCK_JOB_CANCELLED");
    assertThat(device(observe("query-block", null), "drive0").at("/inserted/backing_file").asText())
        .as("a cancelled stream keeps the backing file")
        .isEqualTo(qemu.disk().toString());
  }

  @Test
  void theDialectTableCoversEverySeedCommand() throws Exception {
    start();
    JsonNode table = sidecar.get("/v1/dialect", true).json().path("commands");
    assertThat(table.size()).isEqualTo(46);
    List<String> translated = new ArrayList<>();
    table
        .properties()
        .forEach(
            e -> {
              if (e.getValue().asText().equals("TRANSLATED")) {
                translated.add(e.getKey());
              }
            });
    assertThat(translated)
        .containsExactlyInAnyOrder(
            "query-cpus",
            "migrate_set_downtime",
            "migrate_set_speed",
            "change",
            "block_stream",
            "block_job_set_speed",
            "block_job_cancel");
    assertThat(table.path("cpu").asText()).isEqualTo("EMULATED");
    assertThat(table.path("block_passwd").asText()).isEqualTo("UNAVAILABLE");
  }

  /** A path for a socket QEMU creates, short enough for a unix socket address. */
  private static Path qemuScratch(String name) throws Exception {
    Path dir = Files.createTempDirectory("qo-");
    dir.toFile().deleteOnExit();
    return dir.resolve(name);
  }
}
