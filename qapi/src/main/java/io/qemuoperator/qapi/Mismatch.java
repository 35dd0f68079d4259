package io.qemuoperator.qapi;

/**
 * The first place where a JSON value departs from a QAPI type.
 *
 * @param member path of the member, such as {@code devices[2].bus}; empty for the root value
 * @param expected what the schema expects there
 * @param problem what is wrong, phrased to follow the member's name: {@code is missing}, {@code is
 *     unexpected}, {@code expects int, got string "1"}
 */
record Mismatch(String member, String expected, String problem) {}
