package io.qemuoperator.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.Objects;

/**
 * An asynchronous QMP event.
 *
 * @param seq position in the client's event stream, from 1, never reset on reconnect
 * @param name the event name, for example {@code STOP}
 * @param data the event's data; an empty object when QEMU sent none
 * @param timestamp QEMU's timestamp of the event
 */
public record QmpEvent(long seq, String name, JsonNode data, Instant timestamp) {
  public QmpEvent {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(data, "data");
    Objects.requireNonNull(timestamp, "timestamp");
  }
}
