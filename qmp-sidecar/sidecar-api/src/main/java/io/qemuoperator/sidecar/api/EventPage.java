package io.qemuoperator.sidecar.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * {@code GET /v1/events}'s answer: the QMP events after the sequence number asked for.
 *
 * @param instance the sidecar's instance id: when it differs from the one a caller knew, sequence
 *     numbers started over and the caller should read the full state again
 * @param lastSeq the newest sequence number the sidecar has ({@code after=} this to follow on)
 * @param gap true when events after the one asked for were already evicted: resync fully
 * @param dropped events the sidecar's bounded buffer has evicted since it started
 * @param events the events, oldest first
 */
public record EventPage(
    @JsonProperty("instance") String instance,
    @JsonProperty("lastSeq") long lastSeq,
    @JsonProperty("gap") boolean gap,
    @JsonProperty("dropped") long dropped,
    @JsonProperty("events") List<SequencedEvent> events) {

  public EventPage {
    events = events == null ? List.of() : List.copyOf(events);
  }
}
