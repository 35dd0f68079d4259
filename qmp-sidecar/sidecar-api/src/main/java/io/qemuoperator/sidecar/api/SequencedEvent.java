package io.qemuoperator.sidecar.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import java.time.Instant;
import java.util.Objects;

/**
 * One QMP event as the sidecar numbered it.
 *
 * @param seq its position in the sidecar's event stream, from 1; starts over only with a new
 *     sidecar instance
 * @param name the event, for example {@code STOP}, {@code BALLOON_CHANGE}
 * @param data the event's data as QEMU sent it; an empty object when it sent none. Plain JSON: the
 *     seed schema defines no events (QEMU 1.1 documented them in prose), so there are no generated
 *     records for them
 * @param timestamp QEMU's time of the event, written as ISO-8601 ({@code 2026-11-27T10:15:30.123Z})
 */
public record SequencedEvent(
    @JsonProperty("seq") long seq,
    @JsonProperty("event") String name,
    @JsonProperty("data") JsonNode data,
    @JsonProperty("timestamp")
        @JsonSerialize(using = ToStringSerializer.class)
        @JsonDeserialize(using = IsoInstantDeserializer.class)
        Instant timestamp) {

  public SequencedEvent {
    Objects.requireNonNull(name, "name");
  }
}
