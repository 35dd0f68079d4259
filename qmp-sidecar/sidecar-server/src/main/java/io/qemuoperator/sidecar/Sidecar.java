package io.qemuoperator.sidecar;

import io.qemuoperator.qapi.QapiCommand;
import io.qemuoperator.qapi.QapiSchema;
import io.qemuoperator.qmp.QmpClient;
import io.qemuoperator.qmp.QmpClientOptions;
import io.qemuoperator.sidecar.api.SidecarJson;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.UUID;

/**
 * One running sidecar: the QMP client, the dialect probe, the command gateway, the state reader,
 * metrics and the HTTP server, wired together. Each start has its own instance id, so a caller of
 * {@code /v1/events} knows when sequence numbers started over.
 */
public final class Sidecar implements AutoCloseable {
  private final QmpClient client;
  private final SidecarServer server;
  private final String instance;

  private Sidecar(QmpClient client, SidecarServer server, String instance) {
    this.client = client;
    this.server = server;
    this.instance = instance;
  }

  public static Sidecar start(SidecarConfig config) throws IOException {
    BearerToken token = BearerToken.fromFile(config.tokenFile());
    QapiSchema schema = QapiSchema.bundled();
    String instance = UUID.randomUUID().toString();
    QmpClient client = QmpClient.create(QmpClientOptions.defaults(config.qmpSocket()));
    try {
      var metrics = new SidecarMetrics();
      metrics.watch(client);
      var probe =
          new DialectProbe(client, schema.commands().stream().map(QapiCommand::name).toList());
      client.addSessionListener(probe);
      var qmp = new TimedQmp(client, metrics);
      var gateway =
          new CommandGateway(
              schema, new CommandPolicy(config.allowedGuardedCommands()), probe::dialect, qmp);
      var json = SidecarJson.mapper();
      var state = new StateReader(gateway, qmp, probe::dialect, instance, json);
      var server =
          new SidecarServer(
              config, token, client, probe::dialect, gateway, state, metrics, instance, json);
      server.start();
      client.connect();
      return new Sidecar(client, server, instance);
    } catch (IOException | RuntimeException e) {
      client.close();
      throw e;
    }
  }

  public InetSocketAddress address() {
    return server.address();
  }

  public String instance() {
    return instance;
  }

  @Override
  public void close() {
    server.close();
    client.close();
  }
}
