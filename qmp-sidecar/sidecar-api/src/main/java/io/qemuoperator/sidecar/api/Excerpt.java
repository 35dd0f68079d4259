package io.qemuoperator.sidecar.api;

/** A caller's text as an error message may quote it: at most {@value #MAX_CHARS} characters. */
final class Excerpt {
  static final int MAX_CHARS = 60;

  private Excerpt() {}

  static String of(String text) {
    return text.length() <= MAX_CHARS ? text : text.substring(0, MAX_CHARS) + "…";
  }
}
