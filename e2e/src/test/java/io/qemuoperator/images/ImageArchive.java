package io.qemuoperator.images;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * An image archive as hack/images.sh writes it (docker-archive: manifest.json, the config, layer
 * tars), unpacked into a root file system and run there without a container engine: in its own
 * mount and PID namespaces, the root read-only (as the pods' readOnlyRootFilesystem), as the
 * image's user, with the image's environment.
 */
record ImageArchive(Path archive, String name, JsonNode config, Path root) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The archive unpacked under {@code work}. */
  static ImageArchive unpack(Path archive, Path work) throws IOException, InterruptedException {
    Path raw = Files.createDirectories(work.resolve("archive"));
    run(List.of("tar", "-xf", archive.toString(), "-C", raw.toString()));
    JsonNode manifest = JSON.readTree(raw.resolve("manifest.json").toFile()).get(0);
    JsonNode config = JSON.readTree(raw.resolve(manifest.get("Config").asText()).toFile());
    Path root = Files.createDirectories(work.resolve("root"));
    for (JsonNode layer : manifest.get("Layers")) {
      run(
          List.of(
              "tar",
              "--warning=no-unknown-keyword",
              "-xf",
              raw.resolve(layer.asText()).toString(),
              "-C",
              root.toString()));
    }
    return new ImageArchive(
        archive, manifest.get("RepoTags").get(0).asText(), config.get("config"), root);
  }

  String user() {
    return config.path("User").asText();
  }

  List<String> entrypoint() {
    return strings(config.path("Entrypoint"));
  }

  List<String> env() {
    return strings(config.path("Env"));
  }

  /**
   * A process running {@code command} in the image as its user ({@code uid[:gid]}), the root
   * read-only, the host's network (as a pod's containers share one).
   */
  ProcessBuilder inImage(List<String> command) {
    String[] user = user().split(":");
    String uid = user[0];
    String gid = user.length > 1 ? user[1] : user[0];
    var line = new ArrayList<String>();
    line.addAll(
        List.of(
            "unshare",
            "--mount",
            "--propagation",
            "private",
            "sh",
            "-c",
            "mount --bind \"$0\" \"$0\" && mount -o remount,bind,ro \"$0\" && exec \"$@\"",
            root.toString(),
            "unshare",
            "--pid",
            "--fork",
            "--kill-child",
            "--mount-proc",
            "--root=" + root,
            "--wd=/",
            "--setgid",
            gid,
            "--setuid",
            uid,
            "env",
            "-i"));
    line.addAll(env());
    line.addAll(command);
    return new ProcessBuilder(line).redirectErrorStream(true);
  }

  /**
   * Stops a process of {@link #inImage}: SIGTERM to the program itself (unshare, its parent,
   * ignores SIGTERM while it waits), SIGKILL after 30 s.
   */
  void stop(Process process) throws InterruptedException {
    process.descendants().forEach(ProcessHandle::destroy);
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      process.waitFor(30, TimeUnit.SECONDS);
      throw new AssertionError("did not end within 30 s of SIGTERM");
    }
  }

  /** {@code command}'s output in the image; it must end within a minute. */
  Result exec(List<String> command) throws IOException, InterruptedException {
    Path log = Files.createTempFile(root.getParent(), "exec", ".log");
    Process process = inImage(command).redirectOutput(log.toFile()).start();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      // --kill-child: unshare's end kills the program
      process.destroyForcibly();
      throw new AssertionError(
          "still running after 60 s: " + command + "\n" + Files.readString(log));
    }
    String output = Files.readString(log);
    Files.delete(log);
    return new Result(process.exitValue(), output);
  }

  record Result(int exitCode, String output) {}

  private static List<String> strings(JsonNode array) {
    var list = new ArrayList<String>();
    array.forEach(n -> list.add(n.asText()));
    return List.copyOf(list);
  }

  private static void run(List<String> command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes());
    if (process.waitFor() != 0) {
      throw new IOException(command + " failed: " + output);
    }
  }
}
