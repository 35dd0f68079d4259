package io.qemuoperator.sidecar;

import io.qemuoperator.sidecar.api.MigrationTls;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The PEM files of a TLS migration, in the folder QEMU reads them from ({@code tls-creds-x509}'s
 * {@code dir}): a folder of the QMP socket's folder, which QEMU's container shares, made afresh
 * (mode 0700, files 0600: only QEMU's and the sidecar's user read them) for every request. They
 * stay after the migration until the next request replaces them.
 */
final class MigrationTlsFiles {
  /** The folder's name in the QMP socket's folder. */
  static final String FOLDER = "migration-tls";

  private final Path folder;

  /** Files in {@code FOLDER} next to {@code qmpSocket}. */
  MigrationTlsFiles(Path qmpSocket) {
    this.folder = qmpSocket.toAbsolutePath().getParent().resolve(FOLDER);
  }

  Path folder() {
    return folder;
  }

  /**
   * Replaces the folder with {@code tls}'s files, as QEMU names them: {@code ca-cert.pem} and the
   * target's {@code server-cert.pem}, {@code server-key.pem} or the source's {@code
   * client-cert.pem}, {@code client-key.pem}.
   */
  Path write(MigrationTls tls, boolean server) throws IOException {
    delete();
    Files.createDirectory(
        folder, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    String side = server ? "server" : "client";
    write("ca-cert.pem", tls.caCertificate());
    write(side + "-cert.pem", tls.certificate());
    write(side + "-key.pem", tls.privateKey());
    return folder;
  }

  private void write(String name, String pem) throws IOException {
    Path file =
        Files.createFile(
            folder.resolve(name),
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    String text = pem.endsWith("\n") ? pem : pem + "\n";
    Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.WRITE);
  }

  private void delete() throws IOException {
    if (!Files.exists(folder)) {
      return;
    }
    try (Stream<Path> all = Files.walk(folder)) {
      for (Path path : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }
}
