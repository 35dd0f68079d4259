package io.qemuoperator.local;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * After every scenario, the log written during it (slf4j-simple to the file named by {@code
 * org.slf4j.simpleLogger.logFile}, set by Failsafe) must hold no ERROR line and no stack trace,
 * except lines a scenario declares expected with {@link Expected}.
 */
final class LogScan implements BeforeEachCallback, AfterEachCallback {
  private static final Pattern PROBLEM =
      Pattern.compile(
          "( ERROR )|(^\\s+at [\\w$.]+\\()|(^Caused by: )|(^[\\w$.]+(Exception|Error): )");

  /** Log lines (regular expressions, found anywhere in the line) a scenario expects. */
  @Retention(RetentionPolicy.RUNTIME)
  @Target(ElementType.METHOD)
  @interface Expected {
    String[] value();
  }

  private long start;

  /** True for an ERROR line or a line of a stack trace. */
  static boolean isProblem(String line) {
    return PROBLEM.matcher(line).find();
  }

  static Path logFile() {
    String file = System.getProperty("org.slf4j.simpleLogger.logFile");
    if (file == null || file.equals("System.err") || file.equals("System.out")) {
      throw new IllegalStateException(
          "the e2e log must go to a file (org.slf4j.simpleLogger.logFile, set by Failsafe)");
    }
    return Path.of(file);
  }

  @Override
  public void beforeEach(ExtensionContext context) throws IOException {
    Path file = logFile();
    start = Files.exists(file) ? Files.size(file) : 0;
  }

  @Override
  public void afterEach(ExtensionContext context) throws IOException {
    List<Pattern> expected =
        context
            .getTestMethod()
            .map(m -> m.getAnnotation(Expected.class))
            .map(e -> Arrays.stream(e.value()).map(Pattern::compile).toList())
            .orElse(List.of());
    List<String> unexpected = new ArrayList<>();
    for (String line : linesSince(start)) {
      if (isProblem(line) && expected.stream().noneMatch(p -> p.matcher(line).find())) {
        unexpected.add(line);
      }
    }
    if (!unexpected.isEmpty()) {
      throw new AssertionError(
          "unexpected errors in the log ("
              + logFile()
              + ") of "
              + context.getDisplayName()
              + ":\n"
              + String.join("\n", unexpected.subList(0, Math.min(40, unexpected.size()))));
    }
  }

  static List<String> linesSince(long offset) throws IOException {
    Path file = logFile();
    if (!Files.exists(file)) {
      return List.of();
    }
    try (var in = new RandomAccessFile(file.toFile(), "r")) {
      long length = in.length();
      byte[] bytes = new byte[(int) Math.max(0, length - offset)];
      in.seek(Math.min(offset, length));
      in.readFully(bytes);
      return new String(bytes, StandardCharsets.UTF_8).lines().toList();
    }
  }
}
