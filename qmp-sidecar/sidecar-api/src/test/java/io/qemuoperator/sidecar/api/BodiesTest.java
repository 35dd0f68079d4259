package io.qemuoperator.sidecar.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.LinkedHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The envelopes around every answer: return, error, the probes, the dialect table. */
class BodiesTest {

  @ParameterizedTest
  @ValueSource(strings = {"7.2", "10.0"})
  void qemusErrorsKeepTheirClassAndDescAsBefore(String qemu) throws IOException {
    byte[] old = Wire.before("error422-qemu-" + qemu + ".json");

    ErrorBody body = Wire.JSON.readValue(old, ErrorBody.class);

    assertThat(body.error()).isEqualTo(new QmpError("DeviceNotFound", "Device 'nosuch' not found"));
    assertThat(Wire.tree(body)).isEqualTo(Wire.tree(old));
  }

  @Test
  void anErrorIsWrittenAsQmpWritesIt() throws IOException {
    var body = new ErrorBody(new QmpError("GenericError", "Parameter 'size' expects a >0 size"));

    assertThat(Wire.JSON.writeValueAsString(body))
        .isEqualTo(
            "{\"error\":{\"class\":\"GenericError\",\"desc\":\"Parameter 'size' expects a >0 size\"}}");
    assertThat(Wire.roundTrip(body, ErrorBody.class)).isEqualTo(body);
  }

  @Test
  void aReturnCarriesQemusReplyAsItIsAndNullAsNull() throws IOException {
    JsonNode reply = Wire.tree("{\"actual\":134217728,\"extra\":[1,2]}".getBytes());

    ReturnBody<JsonNode> body =
        Wire.JSON.readValue(
            Wire.JSON.writeValueAsBytes(new ReturnBody<>(reply)),
            SidecarJson.returnOf(Wire.JSON, JsonNode.class));

    assertThat(body.value()).isEqualTo(reply);
    assertThat(Wire.JSON.writeValueAsString(new ReturnBody<>(Wire.tree("{}".getBytes()))))
        .isEqualTo("{\"return\":{}}");
    assertThat(Wire.JSON.writeValueAsString(new ReturnBody<>(null))).isEqualTo("{\"return\":null}");
  }

  @Test
  void probesSayWhatTheyKnow() throws IOException {
    assertThat(Wire.JSON.writeValueAsString(ProbeStatus.alive()))
        .isEqualTo("{\"status\":\"alive\"}");
    assertThat(Wire.JSON.writeValueAsString(ProbeStatus.ready("7.2.22")))
        .isEqualTo("{\"status\":\"ready\",\"qemu\":\"7.2.22\"}");
    assertThat(Wire.roundTrip(ProbeStatus.ready("10.0.2"), ProbeStatus.class))
        .isEqualTo(ProbeStatus.ready("10.0.2"));
  }

  @Test
  void theDialectTableKeepsTheSeedsOrder() throws IOException {
    var commands = new LinkedHashMap<String, String>();
    commands.put("query-status", "AS_IS");
    commands.put("query-cpus", "TRANSLATED");
    commands.put("cpu", "EMULATED");
    commands.put("block_passwd", "UNAVAILABLE");
    var table = new DialectTable("7.2.22", commands);

    assertThat(Wire.JSON.writeValueAsString(table))
        .isEqualTo(
            "{\"qemu\":\"7.2.22\",\"commands\":{\"query-status\":\"AS_IS\",\"query-cpus\":"
                + "\"TRANSLATED\",\"cpu\":\"EMULATED\",\"block_passwd\":\"UNAVAILABLE\"}}");
    assertThat(Wire.roundTrip(table, DialectTable.class)).isEqualTo(table);
  }
}
