package io.qemuoperator.qapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.NullNode;
import org.junit.jupiter.api.Test;

/** The bad inputs of qemu-compat.md §6, and the rules QEMU applies to arguments. */
class ArgumentValidatorTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final ArgumentValidator validator = new ArgumentValidator(QapiSchema.bundled());

  private static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (Exception e) {
      throw new IllegalArgumentException(text, e);
    }
  }

  private InvalidArgumentsException rejection(String command, String arguments) {
    try {
      validator.validate(command, json(arguments));
    } catch (InvalidArgumentsException e) {
      return e;
    }
    throw new AssertionError(command + " " + arguments + " was accepted");
  }

  @Test
  void acceptsTheSeedShapedArgumentsQemuAccepted() {
    assertThatCode(
            () -> {
              validator.validate("balloon", json("{\"value\":134217728}"));
              validator.validate(
                  "block_resize", json("{\"device\":\"drive0\",\"size\":134217728}"));
              validator.validate(
                  "memsave",
                  json("{\"val\":0,\"size\":4096,\"filename\":\"/tmp/m.bin\",\"cpu-index\":1}"));
              validator.validate("set_link", json("{\"name\":\"nic0\",\"up\":false}"));
              validator.validate("migrate_set_downtime", json("{\"value\":0.5}"));
              validator.validate("migrate_set_downtime", json("{\"value\":1}"));
              validator.validate(
                  "qom-set", json("{\"path\":\"/machine\",\"property\":\"p\",\"value\":[1,{}]}"));
              validator.validate("query-status", null);
              validator.validate("query-status", NullNode.getInstance());
              validator.validate("query-status", MissingNode.getInstance());
              validator.validate("quit", json("{}"));
            })
        .doesNotThrowAnyException();
  }

  @Test
  void aNegativeIntIsStillAnInt() {
    // QEMU refuses -1 for balloon, but for its own range rule on 'target', not as a type error.
    assertThatCode(() -> validator.validate("balloon", json("{\"value\":-1}")))
        .doesNotThrowAnyException();
    assertThatCode(() -> validator.validate("balloon", json("{\"value\":9223372036854775807}")))
        .doesNotThrowAnyException();
    assertThatCode(() -> validator.validate("balloon", json("{\"value\":-9223372036854775808}")))
        .doesNotThrowAnyException();
  }

  @Test
  void refusesAnIntegerWrittenAsAString() {
    InvalidArgumentsException e = rejection("balloon", "{\"value\":\"134217728\"}");

    assertThat(e).hasMessage("Parameter 'value' expects int, got string \"134217728\"");
    assertThat(e.member()).isEqualTo("value");
    assertThat(e.expected()).isEqualTo("int");
  }

  @Test
  void refusesAFloatLiteralForAnInt() {
    assertThat(rejection("balloon", "{\"value\":1.5e8}"))
        .hasMessage("Parameter 'value' expects int, got number 1.5E8");
    assertThat(rejection("balloon", "{\"value\":134217728.0}").expected()).isEqualTo("int");
  }

  @Test
  void refusesIntegersBeyondSigned64Bits() {
    assertThat(rejection("balloon", "{\"value\":18446744073709551616}"))
        .hasMessage("Parameter 'value' expects int, got number 18446744073709551616");
    assertThat(rejection("balloon", "{\"value\":9223372036854775808}").member()).isEqualTo("value");
    assertThat(rejection("balloon", "{\"value\":true}"))
        .hasMessage("Parameter 'value' expects int, got boolean true");
  }

  @Test
  void refusesWrongScalarTypes() {
    InvalidArgumentsException up = rejection("set_link", "{\"name\":\"nic0\",\"up\":\"yes\"}");
    assertThat(up).hasMessage("Parameter 'up' expects bool, got string \"yes\"");
    assertThat(up.expected()).isEqualTo("bool");

    InvalidArgumentsException device = rejection("block_resize", "{\"device\":7,\"size\":1}");
    assertThat(device).hasMessage("Parameter 'device' expects str, got number 7");
    assertThat(device.member()).isEqualTo("device");

    assertThat(rejection("migrate_set_downtime", "{\"value\":\"0.5\"}"))
        .hasMessage("Parameter 'value' expects number, got string \"0.5\"");
    assertThat(rejection("set_link", "{\"name\":null,\"up\":true}"))
        .hasMessage("Parameter 'name' expects str, got null");
  }

  @Test
  void refusesUnexpectedMembers() {
    InvalidArgumentsException foo = rejection("query-status", "{\"foo\":1}");
    assertThat(foo).hasMessage("Parameter 'foo' is unexpected");
    assertThat(foo.member()).isEqualTo("foo");
    assertThat(foo.expected()).isEqualTo("no members");

    InvalidArgumentsException extra = rejection("balloon", "{\"value\":1,\"extra\":true}");
    assertThat(extra).hasMessage("Parameter 'extra' is unexpected");
    assertThat(extra.expected()).isEqualTo("one of [value]");
  }

  @Test
  void refusesMissingMembers() {
    InvalidArgumentsException size = rejection("block_resize", "{\"device\":\"drive0\"}");
    assertThat(size).hasMessage("Parameter 'size' is missing");
    assertThat(size.member()).isEqualTo("size");
    assertThat(size.expected()).isEqualTo("int");

    assertThat(rejection("balloon", "{}")).hasMessage("Parameter 'value' is missing");
    assertThatThrownBy(() -> validator.validate("set_link", null))
        .isInstanceOf(InvalidArgumentsException.class)
        .hasMessage("Parameter 'name' is missing");
    assertThat(rejection("qom-set", "{\"path\":\"/\",\"property\":\"p\"}").member())
        .isEqualTo("value");
  }

  @Test
  void refusesArgumentsThatAreNotAnObject() {
    InvalidArgumentsException e = rejection("query-status", "[]");

    assertThat(e).hasMessage("Arguments of 'query-status' must be an object, got array");
    assertThat(e.member()).isEmpty();
    assertThat(e.expected()).isEqualTo("object");
  }

  @Test
  void anUnknownCommandIsAnUncheckedError() {
    assertThatThrownBy(() -> validator.validate("no-such-command", json("{}")))
        .isInstanceOf(UnknownCommandException.class)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("The command no-such-command is not defined in the QAPI schema");
  }

  @Test
  void checksNestedStructsListsAndEnumsWithPaths() {
    QapiSchema schema =
        QapiSchemaParser.parse(
            "nested.json",
            """
            { 'enum': 'IoStatus', 'data': [ 'ok', 'failed', 'nospace' ] }
            { 'type': 'Device', 'data': { 'bus': 'int', '*status': 'IoStatus' } }
            { 'command': 'configure',
              'data': { 'qemu': { 'major': 'int', '*minor': 'int' },
                        '*devices': [ 'Device' ], '*small': 'uint8' } }
            """);
    ArgumentValidator nested = new ArgumentValidator(schema);

    assertThatCode(
            () ->
                nested.validate(
                    "configure",
                    json(
                        "{\"qemu\":{\"major\":1},\"devices\":[{\"bus\":0,\"status\":\"ok\"}],"
                            + "\"small\":255}")))
        .doesNotThrowAnyException();

    InvalidArgumentsException major = assertInvalid(nested, "{\"qemu\":{\"major\":\"1\"}}");
    assertThat(major.member()).isEqualTo("qemu.major");
    assertThat(major).hasMessage("Parameter 'qemu.major' expects int, got string \"1\"");

    assertThat(assertInvalid(nested, "{\"qemu\":{}}"))
        .hasMessage("Parameter 'qemu.major' is missing");
    assertThat(assertInvalid(nested, "{\"qemu\":{\"major\":1,\"patch\":2}}"))
        .hasMessage("Parameter 'qemu.patch' is unexpected");
    assertThat(assertInvalid(nested, "{\"qemu\":7}"))
        .hasMessage("Parameter 'qemu' expects object, got number 7");

    InvalidArgumentsException bus =
        assertInvalid(
            nested,
            "{\"qemu\":{\"major\":1},\"devices\":[{\"bus\":0},{\"bus\":1},{\"bus\":true}]}");
    assertThat(bus.member()).isEqualTo("devices[2].bus");
    assertThat(bus).hasMessage("Parameter 'devices[2].bus' expects int, got boolean true");

    assertThat(assertInvalid(nested, "{\"qemu\":{\"major\":1},\"devices\":{}}"))
        .hasMessage("Parameter 'devices' expects [Device], got object");

    InvalidArgumentsException status =
        assertInvalid(
            nested, "{\"qemu\":{\"major\":1},\"devices\":[{\"bus\":0,\"status\":\"broken\"}]}");
    assertThat(status.expected()).isEqualTo("one of [ok, failed, nospace]");
    assertThat(status)
        .hasMessage(
            "Parameter 'devices[0].status' expects one of [ok, failed, nospace], got string"
                + " \"broken\"");

    assertThat(assertInvalid(nested, "{\"qemu\":{\"major\":1},\"small\":256}"))
        .hasMessage("Parameter 'small' expects uint8, got number 256");
  }

  private static InvalidArgumentsException assertInvalid(
      ArgumentValidator validator, String arguments) {
    try {
      validator.validate("configure", json(arguments));
    } catch (InvalidArgumentsException e) {
      return e;
    }
    throw new AssertionError(arguments + " was accepted");
  }
}
