package io.qemuoperator.qmp.dialect;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * What one running QEMU offers over QMP, read at connect time from {@code query-commands} and
 * {@code query-qmp-schema}: its command names and, per command, the names of its arguments.
 *
 * <p>Decisions about translation are made from this, never from version numbers; the version is
 * kept only to name it in error messages.
 *
 * @param version QEMU's version as the greeting reports it, e.g. {@code 7.2.22}
 * @param commands every command name this QEMU accepts
 * @param arguments per command, the names of its arguments (empty when the QEMU has no
 *     introspection)
 */
public record QemuOffer(String version, Set<String> commands, Map<String, Set<String>> arguments) {

  public QemuOffer {
    commands = Set.copyOf(commands);
    arguments = Map.copyOf(arguments);
  }

  /**
   * Reads the replies of {@code query-commands} (a list of {@code {"name": …}}) and {@code
   * query-qmp-schema} (QEMU's introspection: entries with {@code meta-type} command/object/…;
   * {@code null} when this QEMU has no introspection).
   */
  public static QemuOffer read(String version, JsonNode queryCommands, JsonNode qmpSchema) {
    var commands = new LinkedHashSet<String>();
    for (JsonNode command : queryCommands) {
      commands.add(command.path("name").asText());
    }
    var arguments = new HashMap<String, Set<String>>();
    if (qmpSchema != null && qmpSchema.isArray()) {
      var objectMembers = new HashMap<String, Set<String>>();
      for (JsonNode entry : qmpSchema) {
        if ("object".equals(entry.path("meta-type").asText())) {
          var names = new LinkedHashSet<String>();
          entry.path("members").forEach(member -> names.add(member.path("name").asText()));
          objectMembers.put(entry.path("name").asText(), names);
        }
      }
      for (JsonNode entry : qmpSchema) {
        if ("command".equals(entry.path("meta-type").asText())) {
          arguments.put(
              entry.path("name").asText(),
              objectMembers.getOrDefault(entry.path("arg-type").asText(), Set.of()));
        }
      }
    }
    return new QemuOffer(version, commands, arguments);
  }

  public boolean has(String command) {
    return commands.contains(command);
  }

  /** True when this QEMU has {@code command} and introspection shows it takes {@code argument}. */
  public boolean accepts(String command, String argument) {
    return has(command) && arguments.getOrDefault(command, Set.of()).contains(argument);
  }
}
