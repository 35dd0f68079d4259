package io.qemuoperator.sidecar;

import com.fasterxml.jackson.databind.JsonNode;
import io.qemuoperator.qmp.QmpClient;
import io.qemuoperator.qmp.QmpDisconnectedException;
import io.qemuoperator.qmp.QmpException;
import io.qemuoperator.qmp.QmpGreeting;
import io.qemuoperator.qmp.QmpSessionListener;
import io.qemuoperator.qmp.dialect.Outcome;
import io.qemuoperator.qmp.dialect.QemuOffer;
import io.qemuoperator.qmp.dialect.QmpDialect;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * On every new QMP session, reads what this QEMU offers ({@code query-commands}, {@code
 * query-qmp-schema}) and publishes the {@link QmpDialect} for it; withdraws it on disconnect. The
 * sidecar is ready only while a dialect is published.
 */
final class DialectProbe implements QmpSessionListener {
  private static final Logger log = LoggerFactory.getLogger(DialectProbe.class);

  private final QmpClient client;
  private final List<String> seedCommands;
  private final AtomicReference<QmpDialect> current = new AtomicReference<>();

  DialectProbe(QmpClient client, List<String> seedCommands) {
    this.client = client;
    this.seedCommands = List.copyOf(seedCommands);
  }

  Optional<QmpDialect> dialect() {
    return Optional.ofNullable(current.get());
  }

  @Override
  public void connected(QmpGreeting greeting) {
    // Called on the client's connect thread, which goes on to watch the session: chain the
    // queries, never block here.
    CompletableFuture<JsonNode> commands = client.execute("query-commands", null);
    CompletableFuture<JsonNode> schema =
        client.execute("query-qmp-schema", null).exceptionally(noIntrospection -> null);
    commands
        .thenCombine(schema, (names, introspection) -> publish(greeting, names, introspection))
        .exceptionally(
            failure -> {
              Throwable cause =
                  failure instanceof java.util.concurrent.CompletionException
                          && failure.getCause() != null
                      ? failure.getCause()
                      : failure;
              if (cause instanceof QmpDisconnectedException) {
                // QEMU went away, or the sidecar is stopping: the next session asks again
                log.info("QEMU {} went away before it said what it offers", greeting.version());
              } else {
                log.warn(
                    "could not read what QEMU {} offers: {}", greeting.version(), cause.toString());
              }
              return null;
            });
  }

  @Override
  public void disconnected(QmpException cause) {
    current.set(null);
  }

  private QmpDialect publish(QmpGreeting greeting, JsonNode names, JsonNode introspection) {
    QmpDialect dialect =
        QmpDialect.forOffer(QemuOffer.read(greeting.version(), names, introspection), seedCommands);
    current.set(dialect);
    Map<Outcome, Long> counts =
        dialect.outcomes().values().stream()
            .collect(Collectors.groupingBy(o -> o, Collectors.counting()));
    log.info("QEMU {} serves the seed's commands: {}", greeting.version(), counts);
    return dialect;
  }
}
