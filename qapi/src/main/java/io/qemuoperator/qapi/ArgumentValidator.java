package io.qemuoperator.qapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.Optional;

/**
 * Checks a command's {@code "arguments"} against its declaration, as strictly as QEMU does, so that
 * a bad request is refused before it reaches QEMU.
 *
 * <p>Rules: absent or {@code null} arguments mean {@code {}}; anything else must be an object;
 * every required member must be present and no undeclared member may be; {@code int} is an integral
 * JSON number within a signed 64-bit range (a string, a float literal such as {@code 1.5e8}, or
 * {@code 2^64} is refused); {@code number} is any JSON number; {@code bool} a boolean; {@code str}
 * a string; {@code visitor} and {@code any} anything; an enum a string among its values; structs
 * are checked member by member and lists element by element.
 */
public final class ArgumentValidator {
  private final QapiSchema schema;
  private final ValueConformance conformance;

  public ArgumentValidator(QapiSchema schema) {
    this.schema = schema;
    this.conformance = new ValueConformance(schema, ValueConformance.Strictness.ARGUMENTS);
  }

  /**
   * Validates the arguments of one command.
   *
   * @param command the command name, as in {@code "execute"}
   * @param arguments the {@code "arguments"} value; {@code null}, JSON null or a missing node mean
   *     no arguments
   * @throws InvalidArgumentsException at the first member that does not match, with its path
   * @throws UnknownCommandException if the schema does not define {@code command}
   */
  public void validate(String command, JsonNode arguments) throws InvalidArgumentsException {
    QapiCommand definition =
        schema.command(command).orElseThrow(() -> new UnknownCommandException(command));
    if (arguments == null || arguments.isNull() || arguments.isMissingNode()) {
      arguments = JsonNodeFactory.instance.objectNode();
    }
    if (!arguments.isObject()) {
      throw new InvalidArgumentsException(
          "Arguments of '"
              + command
              + "' must be an object, got "
              + JsonValueDescription.of(arguments),
          "",
          "object");
    }
    Optional<Mismatch> mismatch =
        conformance.checkObject(definition.arguments(), "object", arguments, "");
    if (mismatch.isPresent()) {
      Mismatch found = mismatch.get();
      throw new InvalidArgumentsException(
          "Parameter '" + JsonValueDescription.name(found.member()) + "' " + found.problem(),
          found.member(),
          found.expected());
    }
  }
}
