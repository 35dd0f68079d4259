package io.qemuoperator.sidecar;

import com.fasterxml.jackson.databind.JsonNode;
import io.qemuoperator.qmp.QmpClient;
import io.qemuoperator.qmp.QmpCommandException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** Sends commands through the QMP client and records each round trip in the sidecar's metrics. */
final class TimedQmp {
  private final QmpClient client;
  private final SidecarMetrics metrics;

  TimedQmp(QmpClient client, SidecarMetrics metrics) {
    this.client = client;
    this.metrics = metrics;
  }

  CompletableFuture<JsonNode> execute(String command, JsonNode arguments) {
    long start = System.nanoTime();
    return client
        .execute(command, arguments)
        .whenComplete(
            (reply, failure) -> {
              Throwable cause =
                  failure instanceof CompletionException wrapped ? wrapped.getCause() : failure;
              String errorClass =
                  switch (cause) {
                    case null -> null;
                    case QmpCommandException e -> e.errorClass();
                    default -> cause.getClass().getSimpleName();
                  };
              metrics.recordCommand(command, System.nanoTime() - start, errorClass);
            });
  }

  QmpClient client() {
    return client;
  }
}
