package io.qemuoperator.qapi;

/** A 1-based line and column in schema text. */
record SourcePosition(int line, int column) {}
