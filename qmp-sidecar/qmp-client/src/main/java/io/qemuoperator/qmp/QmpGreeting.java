package io.qemuoperator.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * QEMU's QMP greeting: {@code {"QMP": {"version": {"qemu": {...}, "package": ...}, "capabilities":
 * [...]}}}.
 */
public record QmpGreeting(
    int major, int minor, int micro, String packageName, List<String> capabilities) {

  public QmpGreeting {
    capabilities = List.copyOf(capabilities);
  }

  /** The version as QEMU prints it, for example {@code 7.2.22}. */
  public String version() {
    return major + "." + minor + "." + micro;
  }

  /** Parses the greeting line; fails when it is not a QMP greeting. */
  static QmpGreeting parse(JsonNode message) throws QmpNegotiationException {
    JsonNode qmp = message == null ? null : message.get("QMP");
    JsonNode qemu = qmp == null ? null : qmp.path("version").get("qemu");
    if (qemu == null
        || !qemu.path("major").isInt()
        || !qemu.path("minor").isInt()
        || !qemu.path("micro").isInt()) {
      throw new QmpNegotiationException("not a QMP greeting: " + abbreviate(message));
    }
    List<String> capabilities = new ArrayList<>();
    for (JsonNode capability : qmp.path("capabilities")) {
      capabilities.add(capability.asText());
    }
    return new QmpGreeting(
        qemu.get("major").asInt(),
        qemu.get("minor").asInt(),
        qemu.get("micro").asInt(),
        qmp.path("version").path("package").asText(""),
        capabilities);
  }

  private static String abbreviate(JsonNode message) {
    String text = String.valueOf(message);
    return text.length() > 200 ? text.substring(0, 200) + "…" : text;
  }
}
