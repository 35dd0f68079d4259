package io.qemuoperator.sidecar.api;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/** The JSON settings both ends of the sidecar's HTTP API read and write with. */
public final class SidecarJson {
  private SidecarJson() {}

  /**
   * A new mapper with the contract's settings: duplicate keys and trailing tokens are refused (a
   * body QEMU might read differently from us never passes); members this side does not know are
   * ignored, so a newer sidecar can add members without breaking an older operator.
   */
  public static ObjectMapper mapper() {
    return JsonMapper.builder()
        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .build();
  }

  /** The type of a {@code {"return": T}} answer, for reading one with {@code json}. */
  public static JavaType returnOf(ObjectMapper json, Class<?> value) {
    return json.getTypeFactory().constructParametricType(ReturnBody.class, value);
  }
}
