package io.qemuoperator.operator.plan;

/** Byte counts written as Kubernetes quantities, for people: {@code 256Mi}, {@code 1Gi}. */
public final class Quantities {
  private static final String[] SUFFIXES = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};

  private Quantities() {}

  /** The largest binary suffix that divides {@code bytes} exactly, e.g. 268435456 → 256Mi. */
  public static String format(long bytes) {
    long value = bytes;
    int suffix = 0;
    while (value != 0 && value % 1024 == 0 && suffix < SUFFIXES.length - 1) {
      value /= 1024;
      suffix++;
    }
    return value + SUFFIXES[suffix];
  }
}
