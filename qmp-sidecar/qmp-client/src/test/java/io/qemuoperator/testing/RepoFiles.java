package io.qemuoperator.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/** Files of this repository, found from the test's working directory (a module directory). */
public final class RepoFiles {
  private RepoFiles() {}

  public static Path root() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null) {
      if (Files.isDirectory(dir.resolve("helm")) && Files.isDirectory(dir.resolve("crds"))) {
        return dir;
      }
      dir = dir.getParent();
    }
    throw new IllegalStateException("no repository root (helm/ and crds/) above the working dir");
  }

  public static Path file(String relative) {
    return root().resolve(relative);
  }
}
