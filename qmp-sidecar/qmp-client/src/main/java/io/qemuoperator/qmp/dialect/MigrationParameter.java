package io.qemuoperator.qmp.dialect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.function.ToLongFunction;

/**
 * A {@code migrate_set_*} command of the seed, now one parameter of {@code migrate-set-parameters};
 * {@code toParameter} converts the seed's {@code value} into the parameter's unit.
 */
record MigrationParameter(
    String seedCommand, String parameter, ToLongFunction<JsonNode> toParameter)
    implements Translation {

  static final String MODERN_COMMAND = "migrate-set-parameters";

  /** {@code migrate_set_speed {value: bytes/s}}: the seed rounds a negative value up to zero. */
  static MigrationParameter speed() {
    return new MigrationParameter(
        "migrate_set_speed", "max-bandwidth", value -> Math.max(0, value.longValue()));
  }

  /** {@code migrate_set_downtime {value: seconds, a number}} → {@code downtime-limit} in ms. */
  static MigrationParameter downtime() {
    return new MigrationParameter(
        "migrate_set_downtime",
        "downtime-limit",
        value -> Math.round(Math.max(0, value.doubleValue()) * 1000));
  }

  @Override
  public boolean availableOn(QemuOffer offer) {
    return offer.accepts(MODERN_COMMAND, parameter);
  }

  @Override
  public CommandRoute route(ObjectNode arguments, QemuOffer offer) {
    ObjectNode modern = arguments.objectNode();
    modern.put(parameter, toParameter.applyAsLong(arguments.path("value")));
    return CommandRoute.Send.translated(MODERN_COMMAND, modern);
  }
}
