package io.qemuoperator.sidecar.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code GET /v1/dialect}: how the connected QEMU serves each seed command.
 *
 * @param qemu the QEMU version
 * @param commands seed command → {@code AS_IS}, {@code TRANSLATED}, {@code EMULATED} or {@code
 *     UNAVAILABLE}, in the seed schema's order
 */
public record DialectTable(
    @JsonProperty("qemu") String qemu, @JsonProperty("commands") Map<String, String> commands) {

  public DialectTable {
    commands = Collections.unmodifiableMap(new LinkedHashMap<>(commands));
  }
}
