package io.qemuoperator.sidecar.api;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * Reads an {@link Instant} written as ISO-8601 text ({@link Instant#toString()}), without the
 * java.time module: the sidecar's only time value does not justify its weight.
 */
final class IsoInstantDeserializer extends StdScalarDeserializer<Instant> {
  private static final long serialVersionUID = 1L;

  IsoInstantDeserializer() {
    super(Instant.class);
  }

  @Override
  public Instant deserialize(JsonParser parser, DeserializationContext context) throws IOException {
    String text = parser.getValueAsString();
    if (text == null) {
      return (Instant) context.handleUnexpectedToken(Instant.class, parser);
    }
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      return (Instant) context.handleWeirdStringValue(Instant.class, text, e.getMessage());
    }
  }
}
