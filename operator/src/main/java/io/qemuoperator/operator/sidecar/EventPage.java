package io.qemuoperator.operator.sidecar;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * One answer of {@code /v1/events}.
 *
 * @param instance the sidecar's instance id: when it changes, sequence numbers started over
 * @param lastSeq the newest sequence number the sidecar has
 * @param gap true when events after the requested one were already evicted: resync fully
 * @param events the events, oldest first
 */
public record EventPage(String instance, long lastSeq, boolean gap, List<QmpEventRecord> events) {

  public EventPage {
    events = List.copyOf(events);
  }

  static EventPage from(JsonNode body) {
    var events = new ArrayList<QmpEventRecord>();
    for (JsonNode event : body.path("events")) {
      events.add(
          new QmpEventRecord(
              event.path("seq").asLong(), event.path("event").asText(), event.path("data")));
    }
    return new EventPage(
        body.path("instance").asText(),
        body.path("lastSeq").asLong(),
        body.path("gap").asBoolean(),
        events);
  }

  /** One QMP event as the sidecar numbered it. */
  public record QmpEventRecord(long seq, String name, JsonNode data) {}
}
