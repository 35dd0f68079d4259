package io.qemuoperator.sidecar;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qemuoperator.qapi.ArgumentValidator;
import io.qemuoperator.qapi.InvalidArgumentsException;
import io.qemuoperator.qapi.QapiSchema;
import io.qemuoperator.qmp.QmpException;
import io.qemuoperator.qmp.dialect.CommandRoute;
import io.qemuoperator.qmp.dialect.QmpDialect;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/**
 * Runs one seed command the way the sidecar promises: known to the schema (404), allowed by the
 * policy (403), arguments valid for the schema (400, before QEMU sees them), then routed through
 * this QEMU's dialect and sent; QEMU's errors come back with their class and desc (422).
 */
final class CommandGateway {
  private final QapiSchema schema;
  private final ArgumentValidator validator;
  private final CommandPolicy policy;
  private final Supplier<Optional<QmpDialect>> dialect;
  private final TimedQmp qmp;

  CommandGateway(
      QapiSchema schema,
      CommandPolicy policy,
      Supplier<Optional<QmpDialect>> dialect,
      TimedQmp qmp) {
    this.schema = schema;
    this.validator = new ArgumentValidator(schema);
    this.policy = policy;
    this.dialect = dialect;
    this.qmp = qmp;
  }

  CompletableFuture<CommandResult> run(String command, JsonNode arguments) {
    if (schema.command(command).isEmpty()) {
      return failed(
          ApiError.notFound(
              "The command "
                  + BodyProblem.name(command)
                  + " has not been found in the schema this sidecar serves"));
    }
    if (!policy.permits(command)) {
      return failed(ApiError.commandDisabled(command));
    }
    try {
      validator.validate(command, arguments);
    } catch (InvalidArgumentsException e) {
      return failed(ApiError.invalidArguments(e.getMessage()));
    }
    Optional<QmpDialect> served = dialect.get();
    if (served.isEmpty()) {
      return failed(ApiError.notProbed());
    }
    ObjectNode args = arguments instanceof ObjectNode object ? object : null;
    return switch (served.get().route(command, args)) {
      case CommandRoute.Send send ->
          qmp.execute(send.command(), send.arguments())
              .<CommandResult>thenApply(
                  reply ->
                      new CommandResult.Done(
                          send.reply().apply(reply),
                          send.command().equals(command) ? "" : send.command()))
              .exceptionally(CommandGateway::failure);
      case CommandRoute.Answer answer ->
          CompletableFuture.completedFuture(new CommandResult.Done(answer.result(), ""));
      case CommandRoute.Unavailable unavailable ->
          failed(ApiError.unavailable(unavailable.reason()));
      case CommandRoute.Refused refused -> failed(ApiError.invalidArguments(refused.reason()));
    };
  }

  private static CommandResult failure(Throwable thrown) {
    Throwable cause = thrown instanceof CompletionException wrapped ? wrapped.getCause() : thrown;
    if (cause instanceof QmpException qmp) {
      return new CommandResult.Failed(ApiError.fromQmp(qmp));
    }
    throw new CompletionException(cause);
  }

  private static CompletableFuture<CommandResult> failed(ApiError error) {
    return CompletableFuture.completedFuture(new CommandResult.Failed(error));
  }
}
