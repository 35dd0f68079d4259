package io.qemuoperator.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.qemuoperator.qmp.types.BalloonInfo;
import io.qemuoperator.sidecar.api.BlockDevice;
import io.qemuoperator.sidecar.api.MemoryInfo;
import io.qemuoperator.sidecar.api.QmpError;
import io.qemuoperator.sidecar.api.RunStatus;
import io.qemuoperator.sidecar.api.SidecarJson;
import org.junit.jupiter.api.Test;

class QueryRepliesTest {
  private final ObjectMapper json = SidecarJson.mapper();
  private final QueryReplies replies = new QueryReplies(json);

  @Test
  void aReplyReadsAsItsRecord() throws Exception {
    replies.answered(
        "query-status",
        json.readTree("{\"status\":\"guest-panicked\",\"singlestep\":false,\"running\":false}"));

    assertThat(replies.read("query-status", RunStatus.class))
        .isEqualTo(new RunStatus(false, false, "guest-panicked"));
    assertThat(replies.errors()).isEmpty();
  }

  @Test
  void aRefusedQueryIsNullAndKeepsQemusError() {
    var noBalloon = new QmpError("DeviceNotActive", "No balloon device has been activated");
    replies.refused("query-balloon", noBalloon);

    assertThat(replies.read("query-balloon", BalloonInfo.class)).isNull();
    assertThat(replies.errors()).containsExactly(java.util.Map.entry("query-balloon", noBalloon));
  }

  @Test
  void aQueryNotSentIsNullWithoutAnError() {
    replies.answered("query-memory-size-summary", null);

    assertThat(replies.read("query-memory-size-summary", MemoryInfo.class)).isNull();
    assertThat(replies.read("query-migrate-parameters", MemoryInfo.class)).isNull();
    assertThat(replies.errors()).isEmpty();
  }

  @Test
  void aReplyThatDoesNotFitItsRecordIsNullAndSaysWhy() throws Exception {
    replies.answered("query-block", json.readTree("{\"device\":\"drive0\"}"));

    assertThat(replies.readList("query-block", BlockDevice.class)).isNull();
    assertThat(replies.errors().get("query-block"))
        .satisfies(
            error -> {
              assertThat(error.errorClass()).isEqualTo(QueryReplies.UNEXPECTED_REPLY);
              assertThat(error.desc()).contains("query-block", "does not fit");
            });
  }
}
