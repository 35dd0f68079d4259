package io.qemuoperator.qmp.dialect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.function.UnaryOperator;

/** Where one call of a seed command goes on this QEMU, with its arguments as QEMU must get them. */
public sealed interface CommandRoute {

  Outcome outcome();

  /** Send {@code command} with {@code arguments}; map QEMU's reply with {@code reply}. */
  record Send(String command, ObjectNode arguments, UnaryOperator<JsonNode> reply, Outcome outcome)
      implements CommandRoute {
    static Send asIs(String command, ObjectNode arguments) {
      return new Send(command, arguments, UnaryOperator.identity(), Outcome.AS_IS);
    }

    static Send translated(String command, ObjectNode arguments) {
      return new Send(command, arguments, UnaryOperator.identity(), Outcome.TRANSLATED);
    }
  }

  /** Answer {@code result} without asking QEMU. */
  record Answer(JsonNode result) implements CommandRoute {
    @Override
    public Outcome outcome() {
      return Outcome.EMULATED;
    }
  }

  /** This QEMU cannot do it; {@code reason} names the QEMU version and why. */
  record Unavailable(String reason) implements CommandRoute {
    @Override
    public Outcome outcome() {
      return Outcome.UNAVAILABLE;
    }
  }

  /** The arguments are valid for the seed but cannot be expressed on this QEMU. */
  record Refused(String reason) implements CommandRoute {
    @Override
    public Outcome outcome() {
      return Outcome.TRANSLATED;
    }
  }
}
