package io.qemuoperator.sidecar.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JacksonException;
import java.io.IOException;
import org.junit.jupiter.api.Test;

class SidecarJsonTest {

  @Test
  void duplicateKeysAndTrailingTokensAreRefused() {
    assertThatThrownBy(() -> Wire.JSON.readTree("{\"value\":1,\"value\":2}"))
        .isInstanceOf(JacksonException.class)
        .hasMessageContaining("Duplicate field 'value'");
    assertThatThrownBy(
            () -> Wire.JSON.readValue("{\"class\":\"A\",\"desc\":\"b\"} x", QmpError.class))
        .isInstanceOf(JacksonException.class);
  }

  @Test
  void membersThisSideDoesNotKnowAreIgnored() throws IOException {
    var error =
        Wire.JSON.readValue(
            "{\"class\":\"A\",\"desc\":\"b\",\"hint\":\"newer sidecar\"}", QmpError.class);

    assertThat(error).isEqualTo(new QmpError("A", "b"));
  }

  @Test
  void eachCallGetsAMapperOfItsOwn() {
    assertThat(SidecarJson.mapper()).isNotSameAs(SidecarJson.mapper());
  }

  @Test
  void pathsAreBuiltInOnePlace() {
    assertThat(SidecarPaths.events(5, 25)).isEqualTo("/v1/events?after=5&wait=25");
    assertThat(SidecarPaths.command("query-status")).isEqualTo("/v1/commands/query-status");
    assertThat(SidecarPaths.STATE).startsWith(SidecarPaths.V1);
    assertThat(SidecarPaths.EVENTS).startsWith(SidecarPaths.V1);
    assertThat(SidecarPaths.COMMANDS).startsWith(SidecarPaths.V1);
  }
}
