package io.qemuoperator.qapi.codegen;

/**
 * One generated Java source file.
 *
 * @param typeName the simple name of its top-level type, which is also the file's base name
 * @param content the source text
 */
public record GeneratedFile(String typeName, String content) {

  /** First line of every generated file; also how the generator recognises its own files. */
  public static final String HEADER =
      "// Generated from the QAPI schema by JavaTypesGenerator; do not edit.";
}
