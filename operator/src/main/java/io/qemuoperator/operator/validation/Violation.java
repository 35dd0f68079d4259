package io.qemuoperator.operator.validation;

/**
 * One broken rule of a QemuVM spec.
 *
 * @param field the field's path, as Kubernetes names it in errors (e.g. {@code spec.disks[0].name})
 * @param message what is wrong, for a human
 */
public record Violation(String field, String message) {

  @Override
  public String toString() {
    return field + ": " + message;
  }
}
