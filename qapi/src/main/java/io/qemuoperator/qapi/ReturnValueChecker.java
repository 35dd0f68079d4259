package io.qemuoperator.qapi;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Optional;

/**
 * Checks that a command's {@code "return"} value still has the shape its declaration promises, as
 * leniently as a reply from a newer QEMU deserves.
 *
 * <p>Every required member must be present with the declared JSON type, and optional members that
 * are present must have it too. Extra members are allowed (newer QEMU adds fields), enum members
 * may hold any string (newer QEMU adds {@code RunState} values such as {@code suspended}), and
 * {@code int} accepts any integral number (QEMU reports {@code uint64} values). A command without a
 * declared return type must answer an object (QEMU answers {@code {}}).
 */
public final class ReturnValueChecker {
  private static final String ROOT = "return";

  private final QapiSchema schema;
  private final ValueConformance conformance;

  public ReturnValueChecker(QapiSchema schema) {
    this.schema = schema;
    this.conformance = new ValueConformance(schema, ValueConformance.Strictness.REPLY);
  }

  /**
   * Checks one reply.
   *
   * @param command the command that was executed
   * @param value the reply's {@code "return"} value
   * @throws ReturnValueMismatchException at the first member that does not match; its path starts
   *     with {@code return}, e.g. {@code return[0].inserted.file}
   * @throws UnknownCommandException if the schema does not define {@code command}
   */
  public void check(String command, JsonNode value) throws ReturnValueMismatchException {
    QapiCommand definition =
        schema.command(command).orElseThrow(() -> new UnknownCommandException(command));
    JsonNode reply = value == null || value.isMissingNode() ? null : value;
    Optional<Mismatch> mismatch =
        definition
            .returns()
            .map(type -> reply == null ? missing(type) : conformance.check(type, reply, ROOT))
            .orElseGet(() -> conformance.checkObject(List.of(), "object", reply, ROOT));
    if (mismatch.isPresent()) {
      Mismatch found = mismatch.get();
      throw new ReturnValueMismatchException(
          "Reply to '" + command + "': member '" + found.member() + "' " + found.problem(),
          found.member(),
          found.expected());
    }
  }

  private static Optional<Mismatch> missing(QapiType type) {
    return Optional.of(new Mismatch(ROOT, type.describe(), "is missing"));
  }
}
