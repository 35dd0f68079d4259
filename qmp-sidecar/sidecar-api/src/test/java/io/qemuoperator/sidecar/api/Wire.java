package io.qemuoperator.sidecar.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * The contract's mapper, and what the sidecar wrote before the contract existed: answers of the
 * real sidecar (still building its JSON by key) against real QEMU 7.2 and 10.0, kept under {@code
 * before-contract/}.
 */
final class Wire {
  static final ObjectMapper JSON = SidecarJson.mapper();

  private Wire() {}

  /** A recorded answer, for example {@code state-qemu-7.2.json}. */
  static byte[] before(String name) {
    try (InputStream in = Wire.class.getResourceAsStream("before-contract/" + name)) {
      if (in == null) {
        throw new IllegalArgumentException("no recorded answer " + name);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static JsonNode tree(byte[] json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code value} as written on the wire, read back as a tree (numbers as a reader sees them). */
  static JsonNode tree(Object value) {
    try {
      return JSON.readTree(JSON.writeValueAsBytes(value));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes {@code value} and reads it back as {@code type}. */
  static <T> T roundTrip(T value, Class<T> type) throws IOException {
    return JSON.readValue(JSON.writeValueAsBytes(value), type);
  }

  /**
   * Every member {@code written} has, {@code old} has too, with the same value (recursively; lists
   * element by element): nothing a reader of the old answers relied on is missing or different.
   */
  static void assertWithin(JsonNode written, JsonNode old, String path) {
    if (written.isObject()) {
      assertThat(old.isObject()).as("%s is an object in the old answer", path).isTrue();
      for (Map.Entry<String, JsonNode> member : written.properties()) {
        String at = path + "/" + member.getKey();
        assertThat(old.has(member.getKey())).as("%s was in the old answer", at).isTrue();
        assertWithin(member.getValue(), old.get(member.getKey()), at);
      }
    } else if (written.isArray()) {
      assertThat(old.isArray()).as("%s is a list in the old answer", path).isTrue();
      assertThat(written.size()).as("%s has as many elements", path).isEqualTo(old.size());
      for (int i = 0; i < written.size(); i++) {
        assertWithin(written.get(i), old.get(i), path + "/" + i);
      }
    } else {
      assertThat(written).as(path).isEqualTo(old);
    }
  }
}
