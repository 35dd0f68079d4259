package io.qemuoperator.qmp.dialect;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Serves the seed schema's commands on one particular QEMU: each runs as it is, is translated to
 * its modern equivalent, is answered by the sidecar (the seed's no-op {@code cpu}), or is refused
 * with a reason that names the QEMU version. Built from what QEMU offers at connect ({@link
 * QemuOffer}), never from its version number.
 */
public final class QmpDialect {

  private static final Map<String, Translation> TRANSLATIONS =
      Stream.of(
              new CpusFastQuery(),
              MigrationParameter.speed(),
              MigrationParameter.downtime(),
              new ChangeCommand(),
              new RenamedCommand("block_stream", "block-stream", Map.of()),
              new RenamedCommand(
                  "block_job_set_speed", "block-job-set-speed", Map.of("value", "speed")),
              new RenamedCommand("block_job_cancel", "block-job-cancel", Map.of()))
          .collect(Collectors.toUnmodifiableMap(Translation::seedCommand, Function.identity()));

  /** Why a removed command has no equivalent, where there is more to say than "removed". */
  private static final Map<String, String> REMOVAL_REASONS =
      Map.of(
          "block_passwd",
          "block device passwords were removed from QEMU: an encrypted image's key is now given as"
              + " a 'secret' object when the image is opened, and no command sets it at run time");

  private static final String NO_OP = "cpu";

  private final QemuOffer offer;
  private final Map<String, Outcome> outcomes;

  private QmpDialect(QemuOffer offer, List<String> seedCommands) {
    this.offer = offer;
    var table = new LinkedHashMap<String, Outcome>();
    for (String command : seedCommands) {
      table.put(command, classify(command));
    }
    this.outcomes = java.util.Collections.unmodifiableMap(table);
  }

  /**
   * @param seedCommands the seed schema's command names, in its order (the rows of {@link
   *     #outcomes()})
   */
  public static QmpDialect forOffer(QemuOffer offer, List<String> seedCommands) {
    return new QmpDialect(offer, seedCommands);
  }

  public QemuOffer offer() {
    return offer;
  }

  /** Per seed command, in the seed's order, how this QEMU serves it. */
  public Map<String, Outcome> outcomes() {
    return outcomes;
  }

  public Outcome outcome(String seedCommand) {
    return outcomes.getOrDefault(seedCommand, classify(seedCommand));
  }

  /** The route for one call of {@code seedCommand} whose arguments passed the seed schema. */
  public CommandRoute route(String seedCommand, ObjectNode arguments) {
    ObjectNode args = arguments == null ? JsonNodeFactory.instance.objectNode() : arguments;
    return switch (outcome(seedCommand)) {
      case AS_IS -> CommandRoute.Send.asIs(seedCommand, args);
      case TRANSLATED -> TRANSLATIONS.get(seedCommand).route(args, offer);
      case EMULATED -> new CommandRoute.Answer(JsonNodeFactory.instance.objectNode());
      case UNAVAILABLE -> new CommandRoute.Unavailable(unavailableReason(seedCommand));
    };
  }

  private Outcome classify(String command) {
    if (offer.has(command)) {
      return Outcome.AS_IS;
    }
    Translation translation = TRANSLATIONS.get(command);
    if (translation != null && translation.availableOn(offer)) {
      return Outcome.TRANSLATED;
    }
    if (NO_OP.equals(command)) {
      return Outcome.EMULATED;
    }
    return Outcome.UNAVAILABLE;
  }

  private String unavailableReason(String command) {
    String why =
        REMOVAL_REASONS.getOrDefault(
            command, "it was removed and this QEMU offers nothing the sidecar can translate it to");
    return "QEMU " + offer.version() + " has no command '" + command + "': " + why;
  }
}
