package io.qemuoperator.qmp.migration;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The modern QMP commands one side of a live migration sends, in the order that works (QEMU 7.2 and
 * 10.0): the target ({@code -incoming defer}) sets its {@link #targetCapabilities()} and starts
 * listening ({@link #incoming}); the source sets its {@link #sourceCapabilities}, its {@link
 * #parameters}, and starts ({@link #migrate}). Capabilities cannot change while a migration runs;
 * parameters can (QEMU applies them live).
 *
 * <p>Both sides always set {@code events} (QEMU sends MIGRATION and MIGRATION_PASS events only with
 * it) and {@code return-path} (without it a target that dies at the very end leaves the source
 * {@code postmigrate} while it reports {@code completed}; with it the source reports {@code failed}
 * and resumes).
 *
 * <p>A TLS migration: each side gets a {@code tls-creds-x509} object {@link #TLS_CREDENTIALS}
 * ({@link #addTlsCredentials}; the target's endpoint {@code server}, the source's {@code client};
 * both verify their peer) and names it in its parameters ({@link #tls}), the source with the name
 * the target's certificate must carry; a plain one clears {@code tls-creds} ({@link #plain}).
 */
public final class MigrationCommands {
  /** {@code migrate-set-capabilities}. */
  public static final String SET_CAPABILITIES = "migrate-set-capabilities";

  /** {@code migrate-set-parameters}. */
  public static final String SET_PARAMETERS = "migrate-set-parameters";

  /** {@code migrate-incoming}: a target started with {@code -incoming defer} starts listening. */
  public static final String INCOMING = "migrate-incoming";

  /** {@code migrate}: the source starts sending. */
  public static final String MIGRATE = "migrate";

  /** {@code query-migrate}. */
  public static final String QUERY = "query-migrate";

  /** {@code migrate_cancel}. */
  public static final String CANCEL = "migrate_cancel";

  /** {@code object-add}: only ever with {@link #addTlsCredentials}'s arguments. */
  public static final String OBJECT_ADD = "object-add";

  /** {@code object-del}: only ever of {@link #TLS_CREDENTIALS}. */
  public static final String OBJECT_DEL = "object-del";

  /** {@code qom-list}: whether {@link #TLS_CREDENTIALS} exists ({@link #listObjects}). */
  public static final String QOM_LIST = "qom-list";

  /** The id of the {@code tls-creds-x509} object of a TLS migration. */
  public static final String TLS_CREDENTIALS = "migration-tls";

  /** The QOM folder of the objects {@link #OBJECT_ADD} creates. */
  public static final String OBJECTS = "/objects";

  /** The commands a QEMU must have, beyond {@link #REQUIRED}, to migrate over TLS. */
  public static final List<String> TLS_REQUIRED = List.of(OBJECT_ADD, OBJECT_DEL, QOM_LIST);

  /** The capabilities both sides always set. */
  public static final List<String> ALWAYS = List.of("events", "return-path");

  /** The source's capability that throttles a guest dirtying RAM faster than it is sent. */
  public static final String AUTO_CONVERGE = "auto-converge";

  /** The commands a QEMU must have for {@link #INCOMING}-style migration and its tuning. */
  public static final List<String> REQUIRED = List.of(SET_CAPABILITIES, SET_PARAMETERS, INCOMING);

  /** One QMP command: its name and arguments. */
  public record Command(String name, ObjectNode arguments) {}

  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private MigrationCommands() {}

  /** The target's capabilities: {@link #ALWAYS}. */
  public static Command targetCapabilities() {
    var on = new LinkedHashMap<String, Boolean>();
    ALWAYS.forEach(name -> on.put(name, true));
    return capabilities(on);
  }

  /** The source's capabilities: {@link #ALWAYS}, and {@link #AUTO_CONVERGE} on or off. */
  public static Command sourceCapabilities(boolean autoConverge) {
    var on = new LinkedHashMap<String, Boolean>();
    ALWAYS.forEach(name -> on.put(name, true));
    on.put(AUTO_CONVERGE, autoConverge);
    return capabilities(on);
  }

  /**
   * {@code max-bandwidth} (bytes per second, 0: no cap) and {@code downtime-limit} (ms, QEMU takes
   * 0 to 2,000,000).
   */
  public static Command parameters(long maxBandwidth, long downtimeLimitMs) {
    return new Command(
        SET_PARAMETERS,
        JSON.objectNode()
            .put("max-bandwidth", maxBandwidth)
            .put("downtime-limit", downtimeLimitMs));
  }

  /**
   * Adds {@link #TLS_CREDENTIALS}, a {@code tls-creds-x509} reading its PEM files from {@code dir}
   * (the target's {@code ca-cert.pem}, {@code server-cert.pem}, {@code server-key.pem}; the
   * source's {@code client-*}), peer verification on.
   *
   * @param server the target's credentials ({@code endpoint: server}), else the source's ({@code
   *     client})
   */
  public static Command addTlsCredentials(String dir, boolean server) {
    return new Command(
        OBJECT_ADD,
        JSON.objectNode()
            .put("qom-type", "tls-creds-x509")
            .put("id", TLS_CREDENTIALS)
            .put("dir", dir)
            .put("endpoint", server ? "server" : "client")
            .put("verify-peer", true));
  }

  /** Deletes {@link #TLS_CREDENTIALS}. */
  public static Command deleteTlsCredentials() {
    return new Command(OBJECT_DEL, JSON.objectNode().put("id", TLS_CREDENTIALS));
  }

  /** Lists {@link #OBJECTS} (QEMU 7.2 answers {@code DeviceNotFound} while it holds no object). */
  public static Command listObjects() {
    return new Command(QOM_LIST, JSON.objectNode().put("path", OBJECTS));
  }

  /**
   * The migration runs over TLS with {@link #TLS_CREDENTIALS}.
   *
   * @param hostname the source's {@code tls-hostname}: the name the target's certificate must
   *     carry; null on the target
   */
  public static Command tls(String hostname) {
    ObjectNode arguments = JSON.objectNode().put("tls-creds", TLS_CREDENTIALS);
    if (hostname != null) {
      arguments.put("tls-hostname", hostname);
    }
    return new Command(SET_PARAMETERS, arguments);
  }

  /**
   * The migration runs over plain TCP: {@code tls-creds} empty (QEMU 7.2 and 10.0 take the empty
   * string), clearing what an earlier TLS migration set.
   */
  public static Command plain() {
    return new Command(SET_PARAMETERS, JSON.objectNode().put("tls-creds", ""));
  }

  /** The target listens on {@code host:port}. */
  public static Command incoming(String host, int port) {
    return new Command(INCOMING, JSON.objectNode().put("uri", tcpUri(host, port)));
  }

  /** The source sends to {@code host:port}. */
  public static Command migrate(String host, int port) {
    return new Command(MIGRATE, JSON.objectNode().put("uri", tcpUri(host, port)));
  }

  /**
   * QEMU's {@code tcp:HOST:PORT}, an IPv6 literal in brackets. {@code host} must have been checked
   * (a literal or a DNS name: no spaces, commas or colons outside an IPv6 literal).
   */
  public static String tcpUri(String host, int port) {
    return "tcp:" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }

  private static Command capabilities(Map<String, Boolean> states) {
    ArrayNode list = JSON.arrayNode();
    states.forEach(
        (name, on) -> list.addObject().put("capability", name).put("state", on.booleanValue()));
    ObjectNode arguments = JSON.objectNode();
    arguments.set("capabilities", list);
    return new Command(SET_CAPABILITIES, arguments);
  }
}
