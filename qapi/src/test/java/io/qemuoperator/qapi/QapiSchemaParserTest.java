package io.qemuoperator.qapi;

import static org.assertj.core.api.Assertions.assertThat;

import io.qemuoperator.qapi.QapiType.AnonymousStruct;
import io.qemuoperator.qapi.QapiType.Builtin;
import io.qemuoperator.qapi.QapiType.ListOf;
import io.qemuoperator.qapi.QapiType.Named;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class QapiSchemaParserTest {

  private static QapiSchema parse(String text) {
    return QapiSchemaParser.parse("test.json", text);
  }

  private static QapiParseException parseError(String text) {
    try {
      parse(text);
    } catch (QapiParseException e) {
      return e;
    }
    throw new AssertionError("expected a QapiParseException for:\n" + text);
  }

  @Test
  void readsCommentsAndBothQuoteStyles() {
    QapiSchema schema =
        parse(
            """
            # leading comment
            { 'type': "Point", # comment after a key
              "data": { 'x': "int", '*label': 'str' } }  # trailing comment
            ##
            # doc-style comment block
            ##
            { "command": 'move', 'data': {'to': 'Point', 'how': ['Speed']}, 'returns': "Point" }
            {'enum':'Speed','data':['slow',"fast"]}
            """);

    assertThat(schema.definitions())
        .containsExactly(
            new QapiStruct(
                "Point",
                List.of(
                    new QapiMember("x", new Builtin("int"), false),
                    new QapiMember("label", new Builtin("str"), true))),
            new QapiCommand(
                "move",
                List.of(
                    new QapiMember("to", new Named("Point"), false),
                    new QapiMember("how", new ListOf(new Named("Speed")), false)),
                Optional.of(new Named("Point")),
                true),
            new QapiEnum("Speed", List.of("slow", "fast")));
  }

  @Test
  void hashInsideAStringIsNotAComment() {
    QapiSchema schema = parse("{ 'enum': 'Marks', 'data': ['a#b', 'it\\'s'] }");

    assertThat(schema.enumType("Marks").orElseThrow().values()).containsExactly("a#b", "it's");
  }

  @Test
  void readsNestedAnonymousStructsAndLaterSyntax() {
    QapiSchema schema =
        parse(
            """
            { 'struct': 'Outer', 'data': { 'inner': { 'deep': { '*n': 'uint64' } }, 'v': 'any' } }
            { 'command': 'raw', 'gen': false }
            { 'command': 'empty', 'data': {} }
            """);

    assertThat(schema.struct("Outer").orElseThrow().members().getFirst().type())
        .isEqualTo(
            new AnonymousStruct(
                List.of(
                    new QapiMember(
                        "deep",
                        new AnonymousStruct(
                            List.of(new QapiMember("n", new Builtin("uint64"), true))),
                        false))));
    assertThat(schema.command("raw").orElseThrow().generated()).isFalse();
    assertThat(schema.command("raw").orElseThrow().returns()).isEmpty();
    assertThat(schema.command("empty").orElseThrow().arguments()).isEmpty();
  }

  @Test
  void describesTypes() {
    assertThat(new Builtin("int").describe()).isEqualTo("int");
    assertThat(new Named("RunState").describe()).isEqualTo("RunState");
    assertThat(new ListOf(new Named("BlockInfo")).describe()).isEqualTo("[BlockInfo]");
    assertThat(new ListOf(new ListOf(new Builtin("str"))).describe()).isEqualTo("[[str]]");
    assertThat(new AnonymousStruct(List.of()).describe()).isEqualTo("object");
  }

  @Test
  void reportsAnUnresolvedTypeWhereItIsUsed() {
    QapiParseException e =
        parseError(
            """
            { 'type': 'A', 'data': { 'x': 'int' } }
            { 'command': 'c',
              'returns': ['Missing'] }
            """);

    assertThat(e.line()).isEqualTo(3);
    assertThat(e.column()).isEqualTo(15);
    assertThat(e).hasMessage("test.json:3:15: unknown type 'Missing'");
  }

  @Test
  void aCommandIsNotAType() {
    QapiParseException e = parseError("{ 'command': 'c' }\n{ 'type': 'T', 'data': { 'x': 'c' } }");

    assertThat(e).hasMessage("test.json:2:31: 'c' is a command, not a type");
  }

  @Test
  void typesMayBeUsedBeforeTheyAreDefined() {
    QapiSchema schema =
        parse("{ 'command': 'c', 'returns': 'Later' }\n{ 'type': 'Later', 'data': {} }");

    assertThat(schema.command("c").orElseThrow().returns()).contains(new Named("Later"));
  }

  @Test
  void reportsSyntaxErrorsWithLineAndColumn() {
    assertThat(parseError("{ 'type': 'A',\n  'data' { } }"))
        .hasMessage("test.json:2:10: expected ':', found '{'");
    assertThat(parseError("{ 'enum': 'E', 'data': ['a' 'b'] }"))
        .hasMessage("test.json:1:29: expected ',' or ']' in list, found '''");
    assertThat(parseError("\n\n  { 'type': 'A', 'data': {} "))
        .hasMessage("test.json:3:29: unterminated dictionary opened at 3:3");
    assertThat(parseError("{ 'type': 'A\n' }")).hasMessage("test.json:1:11: unterminated string");
    assertThat(parseError("{ 'type': yes }"))
        .hasMessage("test.json:1:11: unexpected word 'yes', expected a value");
    assertThat(parseError("{ type: 'A' }"))
        .hasMessage("test.json:1:3: expected a quoted dictionary key, found 't'");
  }

  @Test
  void rejectsMalformedDefinitions() {
    assertThat(parseError("{ 'type': 'A', 'data': {}, 'type': 'B' }"))
        .hasMessage("test.json:1:28: duplicate key 'type'");
    assertThat(parseError("{ 'type': 'A', 'data': {} }\n{ 'enum': 'A', 'data': [] }"))
        .hasMessage("test.json:2:1: 'A' is already defined at 1:1");
    assertThat(parseError("{ 'event': 'X' }").problem())
        .startsWith("expected a definition with one of 'type', 'enum' or 'command'");
    assertThat(parseError("{ 'type': 'A' }")).hasMessage("test.json:1:1: missing 'data'");
    assertThat(parseError("{ 'type': 'A', 'data': { 'x': ['int', 'str'] } }"))
        .hasMessage("test.json:1:31: a list type names exactly one element type, found 2");
    assertThat(parseError("{ 'command': 'c', 'gen': 'maybe' }"))
        .hasMessage("test.json:1:26: 'gen' must be 'no', 'yes', true or false");
    assertThat(parseError("{ 'command': 'c', 'retruns': 'int' }"))
        .hasMessage("test.json:1:19: unexpected key 'retruns' in a 'command'");
    assertThat(parseError("{ 'type': 'A', 'data': { 'x': 'int', '*x': 'str' } }"))
        .hasMessage("test.json:1:38: duplicate member 'x'");
    assertThat(parseError("['not', 'a', 'definition']"))
        .hasMessage("test.json:1:1: a top-level definition must be a dictionary, found a list");
  }

  @Test
  void anEmptySchemaHasNoDefinitions() {
    assertThat(parse("# nothing but a comment\n").definitions()).isEmpty();
  }
}
