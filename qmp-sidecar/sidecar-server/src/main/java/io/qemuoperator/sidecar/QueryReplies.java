package io.qemuoperator.sidecar;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qemuoperator.sidecar.api.QmpError;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The replies to the state snapshot's queries, read into the contract's records. A query QEMU
 * refused, or whose reply does not fit its record, reads as null and leaves its error behind.
 */
final class QueryReplies {
  /** The class of the error left for a reply that does not have the shape its record expects. */
  static final String UNEXPECTED_REPLY = "UnexpectedReply";

  private final ObjectMapper json;
  private final Map<String, JsonNode> replies = new LinkedHashMap<>();
  private final Map<String, QmpError> errors = new LinkedHashMap<>();

  QueryReplies(ObjectMapper json) {
    this.json = json;
  }

  void answered(String query, JsonNode reply) {
    replies.put(query, reply);
  }

  void refused(String query, QmpError error) {
    errors.put(query, error);
  }

  /** {@code query}'s reply as {@code type}; null when it was refused, not sent, or did not fit. */
  <T> T read(String query, Class<T> type) {
    return read(query, json.constructType(type));
  }

  /** {@code query}'s reply as a list of {@code element}; null as {@link #read} is. */
  <T> List<T> readList(String query, Class<T> element) {
    return read(query, json.getTypeFactory().constructCollectionType(List.class, element));
  }

  /** The errors left so far, by query, in the order they were met. */
  Map<String, QmpError> errors() {
    return errors;
  }

  private <T> T read(String query, JavaType type) {
    JsonNode reply = replies.get(query);
    if (reply == null || reply.isNull()) {
      return null;
    }
    try {
      return json.treeToValue(reply, type);
    } catch (JsonProcessingException e) {
      return unexpected(query, e.getOriginalMessage());
    } catch (IllegalArgumentException e) {
      return unexpected(query, e.getMessage());
    }
  }

  private <T> T unexpected(String query, String why) {
    errors.put(
        query,
        new QmpError(
            UNEXPECTED_REPLY,
            "QEMU's reply to " + query + " does not fit the sidecar's contract: " + why));
    return null;
  }
}
