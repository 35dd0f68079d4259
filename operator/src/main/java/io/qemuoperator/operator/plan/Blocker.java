package io.qemuoperator.operator.plan;

/**
 * Why part of the spec cannot be reached now; becomes a condition on the QemuVM.
 *
 * @param reason CamelCase, stable (a condition reason)
 * @param message for people: what is wrong and what to do
 */
public record Blocker(String reason, String message) {}
