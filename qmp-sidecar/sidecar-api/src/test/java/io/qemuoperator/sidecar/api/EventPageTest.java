package io.qemuoperator.sidecar.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EventPageTest {

  @ParameterizedTest
  @ValueSource(strings = {"7.2", "10.0"})
  void readsWhatTheSidecarAnsweredBeforeTheContractAndWritesItBackTheSame(String qemu)
      throws IOException {
    byte[] old = Wire.before("events-qemu-" + qemu + ".json");

    EventPage page = Wire.JSON.readValue(old, EventPage.class);

    assertThat(page.instance()).hasSize(36);
    assertThat(page.lastSeq()).isEqualTo(1);
    assertThat(page.gap()).isFalse();
    assertThat(page.dropped()).isZero();
    assertThat(page.events())
        .singleElement()
        .satisfies(
            event -> {
              assertThat(event.seq()).isEqualTo(1);
              assertThat(event.name()).isEqualTo("RESUME");
              assertThat(event.data().isEmpty()).isTrue();
              assertThat(event.timestamp()).isAfter(Instant.parse("2026-01-01T00:00:00Z"));
            });
    assertThat(Wire.tree(page)).isEqualTo(Wire.tree(old));
  }

  @Test
  void eventsKeepTheirDataAndTimeToTheMicrosecond() throws IOException {
    JsonNode data = JsonNodeFactory.instance.objectNode().put("guest", true).put("reason", "x");
    var page =
        new EventPage(
            "i",
            9,
            true,
            3,
            List.of(
                new SequencedEvent(
                    8, "SHUTDOWN", data, Instant.parse("2026-11-28T03:12:13.464914Z")),
                new SequencedEvent(
                    9,
                    "BALLOON_CHANGE",
                    JsonNodeFactory.instance.objectNode().put("actual", 1 << 30),
                    Instant.ofEpochSecond(1))));

    assertThat(Wire.tree(page).at("/events/0/timestamp").asText())
        .isEqualTo("2026-11-28T03:12:13.464914Z");
    assertThat(Wire.tree(page).at("/events/1/timestamp").asText())
        .isEqualTo("1970-01-01T00:00:01Z");
    assertThat(Wire.tree(page).at("/events/0/event").asText()).isEqualTo("SHUTDOWN");
    assertThat(Wire.roundTrip(page, EventPage.class)).isEqualTo(page);
  }

  @Test
  void aTimestampThatIsNotIsoIsRefused() {
    String page =
        "{\"instance\":\"i\",\"lastSeq\":1,\"gap\":false,\"dropped\":0,\"events\":[{\"seq\":1,"
            + "\"event\":\"STOP\",\"data\":{},\"timestamp\":\"yesterday\"}]}";

    assertThatThrownBy(() -> Wire.JSON.readValue(page, EventPage.class))
        .isInstanceOf(InvalidFormatException.class)
        .hasMessageContaining("yesterday");
  }

  @Test
  void aPageWithoutEventsHasAnEmptyList() throws IOException {
    var page = Wire.JSON.readValue("{\"instance\":\"i\",\"lastSeq\":4}", EventPage.class);

    assertThat(page.events()).isEmpty();
    assertThat(Wire.tree(page).get("events").isArray()).isTrue();
  }
}
