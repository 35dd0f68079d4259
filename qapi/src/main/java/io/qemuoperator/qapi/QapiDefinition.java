package io.qemuoperator.qapi;

/** A top-level definition of a QAPI schema: a struct, an enum or a command. */
public sealed interface QapiDefinition permits QapiStruct, QapiEnum, QapiCommand {

  /** The definition's name as written in the schema. */
  String name();
}
