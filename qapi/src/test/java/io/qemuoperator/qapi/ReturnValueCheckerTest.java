package io.qemuoperator.qapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** Replies observed from QEMU 7.2 (qemu-compat.md §3 and §4) against the seed's return types. */
class ReturnValueCheckerTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final ReturnValueChecker checker = new ReturnValueChecker(QapiSchema.bundled());

  private static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (Exception e) {
      throw new IllegalArgumentException(text, e);
    }
  }

  private ReturnValueMismatchException mismatch(String command, String reply) {
    try {
      checker.check(command, json(reply));
    } catch (ReturnValueMismatchException e) {
      return e;
    }
    throw new AssertionError(command + " reply " + reply + " was accepted");
  }

  @Test
  void acceptsQemu72RepliesWithExtraMembersAndNewEnumValues() {
    assertThatCode(
            () -> {
              checker.check(
                  "query-version",
                  json(
                      "{\"qemu\": {\"micro\": 22, \"minor\": 2, \"major\": 7},"
                          + " \"package\": \"Debian 1:7.2+dfsg-7+deb12u18+b3\"}"));
              checker.check(
                  "query-status",
                  json("{\"status\": \"suspended\", \"singlestep\": false, \"running\": false}"));
              checker.check(
                  "query-chardev",
                  json(
                      "[{\"frontend-open\": true, \"filename\": \"unix:/q.sock,server=on\","
                          + " \"label\": \"compat_monitor0\"}]"));
              checker.check("query-balloon", json("{\"actual\": 268435456}"));
              checker.check("query-migrate", json("{}"));
              checker.check("query-migrate", json("{\"status\": \"cancelled\"}"));
              checker.check(
                  "query-mice",
                  json(
                      "[{\"index\": 2, \"name\": \"QEMU PS/2 Mouse\", \"current\": true,"
                          + " \"absolute\": false}]"));
              checker.check("qom-get", json("\"virtio-balloon-pci\""));
              checker.check("qom-get", json("0"));
              checker.check("human-monitor-command", json("\"VM status: running\\r\\n\""));
              checker.check("stop", json("{}"));
            })
        .doesNotThrowAnyException();
  }

  @Test
  void acceptsAQueryBlockReplyWithAddedFieldsAndUint64Values() {
    String reply =
        """
        [{"device": "drive0", "type": "unknown", "removable": false, "locked": false,
          "qdev": "/machine/peripheral/disk0/virtio-backend", "io-status": "ok",
          "inserted": {"file": "/w/disk.qcow2", "ro": false, "drv": "qcow2", "encrypted": false,
            "bps": 0, "bps_rd": 0, "bps_wr": 0, "iops": 0, "iops_rd": 0, "iops_wr": 0,
            "backing_file_depth": 0, "write_threshold": 18446744073709551615,
            "cache": {"writeback": true, "direct": false, "no-flush": false}}},
         {"device": "cd0", "type": "unknown", "removable": true, "locked": false,
          "tray_open": true, "qdev": "cddev0"}]
        """;

    assertThatCode(() -> checker.check("query-block", json(reply))).doesNotThrowAnyException();
  }

  @Test
  void reportsAMissingRequiredMemberWithItsPath() {
    ReturnValueMismatchException e =
        mismatch(
            "query-block",
            "[{\"device\":\"drive0\",\"type\":\"unknown\",\"removable\":false,\"locked\":false,"
                + "\"inserted\":{\"ro\":false}}]");

    assertThat(e.member()).isEqualTo("return[0].inserted.file");
    assertThat(e.expected()).isEqualTo("str");
    assertThat(e).hasMessage("Reply to 'query-block': member 'return[0].inserted.file' is missing");
  }

  @Test
  void reportsAWrongJsonTypeInANestedAnonymousStruct() {
    ReturnValueMismatchException e =
        mismatch(
            "query-version",
            "{\"qemu\": {\"micro\": 22, \"minor\": \"2\", \"major\": 7}, \"package\": \"\"}");

    assertThat(e.member()).isEqualTo("return.qemu.minor");
    assertThat(e)
        .hasMessage(
            "Reply to 'query-version': member 'return.qemu.minor' expects int, got string \"2\"");
  }

  @Test
  void anEnumMemberMustStillBeAString() {
    ReturnValueMismatchException e =
        mismatch("query-status", "{\"status\": 3, \"singlestep\": false, \"running\": true}");

    assertThat(e.member()).isEqualTo("return.status");
    assertThat(e.expected()).isEqualTo("RunState");
  }

  @Test
  void checksListsAndOptionalMembersThatArePresent() {
    assertThat(mismatch("query-block", "{\"device\":\"drive0\"}").expected())
        .isEqualTo("[BlockInfo]");
    assertThat(mismatch("query-migrate", "{\"status\":\"active\",\"ram\":{\"transferred\":1}}"))
        .hasMessage("Reply to 'query-migrate': member 'return.ram.remaining' is missing");
    assertThat(
            mismatch(
                    "query-blockstats",
                    "[{\"stats\":{\"rd_bytes\":0,\"wr_bytes\":0,\"rd_operations\":0,"
                        + "\"wr_operations\":0,\"flush_operations\":0,\"flush_total_time_ns\":0,"
                        + "\"wr_total_time_ns\":0,\"rd_total_time_ns\":0,"
                        + "\"wr_highest_offset\":0},\"parent\":{\"stats\":{}}}]")
                .member())
        .isEqualTo("return[0].parent.stats.rd_bytes");
    assertThat(mismatch("query-kvm", "{\"enabled\": 1, \"present\": true}"))
        .hasMessage("Reply to 'query-kvm': member 'return.enabled' expects bool, got number 1");
  }

  @Test
  void aCommandWithoutReturnTypeAnswersAnObject() {
    assertThat(mismatch("stop", "[]"))
        .hasMessage("Reply to 'stop': member 'return' expects object, got array");
  }

  @Test
  void anAbsentReturnValueIsMissing() {
    assertThatThrownBy(() -> checker.check("query-name", null))
        .isInstanceOf(ReturnValueMismatchException.class)
        .hasMessage("Reply to 'query-name': member 'return' is missing");
  }

  @Test
  void anUnknownCommandIsAnUncheckedError() {
    assertThatThrownBy(() -> checker.check("query-cpus-fast", json("[]")))
        .isInstanceOf(UnknownCommandException.class);
  }
}
