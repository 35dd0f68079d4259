package io.qemuoperator.qmp.dialect;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/**
 * A command that was renamed, with some of its arguments renamed too ({@code block_stream} → {@code
 * block-stream}, {@code block_job_set_speed {value}} → {@code block-job-set-speed {speed}}).
 */
record RenamedCommand(
    String seedCommand, String modernCommand, Map<String, String> renamedArguments)
    implements Translation {

  RenamedCommand {
    renamedArguments = Map.copyOf(renamedArguments);
  }

  @Override
  public boolean availableOn(QemuOffer offer) {
    return offer.has(modernCommand)
        && renamedArguments.values().stream()
            .allMatch(name -> offer.arguments().isEmpty() || offer.accepts(modernCommand, name));
  }

  @Override
  public CommandRoute route(ObjectNode arguments, QemuOffer offer) {
    ObjectNode modern = arguments.objectNode();
    arguments
        .properties()
        .forEach(
            member ->
                modern.set(
                    renamedArguments.getOrDefault(member.getKey(), member.getKey()),
                    member.getValue()));
    return CommandRoute.Send.translated(modernCommand, modern);
  }
}
