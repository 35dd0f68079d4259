package io.qemuoperator.images;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The instructions of a Dockerfile's final stage (what the image runs), read the way the builder
 * reads them: comments dropped, continuation lines joined.
 */
record Dockerfile(List<Instruction> finalStage) {
  record Instruction(String keyword, String arguments) {}

  static Dockerfile read(Path file) throws IOException {
    var instructions = new ArrayList<Instruction>();
    var logical = new StringBuilder();
    for (String line : Files.readAllLines(file)) {
      String trimmed = line.strip();
      if (trimmed.startsWith("#") || (trimmed.isEmpty() && logical.isEmpty())) {
        continue;
      }
      if (trimmed.endsWith("\\")) {
        logical.append(trimmed, 0, trimmed.length() - 1).append(' ');
        continue;
      }
      logical.append(trimmed);
      String text = logical.toString().strip();
      logical.setLength(0);
      int space = text.indexOf(' ');
      String keyword = text.substring(0, space).toUpperCase(java.util.Locale.ROOT);
      if (keyword.equals("FROM")) {
        instructions.clear();
      }
      instructions.add(new Instruction(keyword, text.substring(space + 1).strip()));
    }
    return new Dockerfile(List.copyOf(instructions));
  }

  List<String> all(String keyword) {
    return finalStage.stream()
        .filter(i -> i.keyword().equals(keyword))
        .map(Instruction::arguments)
        .toList();
  }

  String last(String keyword) {
    List<String> found = all(keyword);
    if (found.isEmpty()) {
      throw new AssertionError("no " + keyword + " in the final stage");
    }
    return found.get(found.size() - 1);
  }

  /** ENTRYPOINT in exec form. */
  List<String> entrypoint() throws IOException {
    return new ObjectMapper().readValue(last("ENTRYPOINT"), new TypeReference<List<String>>() {});
  }

  /** COPY source → destination (sources with their {@code --from} stage dropped). */
  Map<String, String> copies() {
    var copies = new LinkedHashMap<String, String>();
    for (String args : all("COPY")) {
      List<String> words = new ArrayList<>(List.of(args.split("\\s+")));
      words.removeIf(w -> w.startsWith("--"));
      copies.put(words.get(0), words.get(words.size() - 1));
    }
    return copies;
  }

  /** ENV in its {@code KEY=VALUE} form (values may be double-quoted). */
  Map<String, String> env() {
    var env = new LinkedHashMap<String, String>();
    Pattern pair = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)=(\"([^\"]*)\"|(\\S*))");
    for (String args : all("ENV")) {
      Matcher m = pair.matcher(args);
      while (m.find()) {
        env.put(m.group(1), m.group(3) != null ? m.group(3) : m.group(4));
      }
    }
    return env;
  }

  Optional<String> user() {
    List<String> users = all("USER");
    return users.isEmpty() ? Optional.empty() : Optional.of(users.get(users.size() - 1));
  }
}
