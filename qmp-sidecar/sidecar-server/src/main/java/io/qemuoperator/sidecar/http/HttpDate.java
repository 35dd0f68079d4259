package io.qemuoperator.sidecar.http;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** The {@code Date} header value, formatted once per second rather than once per response. */
final class HttpDate {
  private record Formatted(long second, String text) {}

  private volatile Formatted last = new Formatted(Long.MIN_VALUE, "");

  String now() {
    long second = System.currentTimeMillis() / 1000;
    Formatted current = last;
    if (current.second() != second) {
      current =
          new Formatted(
              second,
              DateTimeFormatter.RFC_1123_DATE_TIME.format(
                  Instant.ofEpochSecond(second).atOffset(ZoneOffset.UTC)));
      last = current;
    }
    return current.text();
  }
}
