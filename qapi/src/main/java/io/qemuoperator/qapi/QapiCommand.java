package io.qemuoperator.qapi;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A QAPI {@code 'command'}.
 *
 * @param name the command name sent in {@code "execute"}
 * @param arguments the members of the command's {@code "arguments"} object, in declaration order
 * @param returns the type of the {@code "return"} value; empty when the command returns {@code {}}
 * @param generated false when the schema says {@code 'gen': 'no'} (QEMU hand-writes the
 *     marshalling)
 */
public record QapiCommand(
    String name, List<QapiMember> arguments, Optional<QapiType> returns, boolean generated)
    implements QapiDefinition {
  public QapiCommand {
    Objects.requireNonNull(name, "name");
    arguments = List.copyOf(arguments);
    Objects.requireNonNull(returns, "returns");
  }
}
