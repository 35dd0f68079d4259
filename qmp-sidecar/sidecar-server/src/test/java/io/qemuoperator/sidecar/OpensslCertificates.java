package io.qemuoperator.sidecar;

import io.qemuoperator.sidecar.api.MigrationTls;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A CA and the two certificates of a TLS migration, issued with the {@code openssl} command
 * (installed by {@code hack/tools.sh}'s {@code qo_ensure_qemu}), as the operator issues them: ECDSA
 * P-256, SEC1 {@code EC PRIVATE KEY} files, the target's certificate for {@code serverAuth} naming
 * a DNS name, the source's for {@code clientAuth}, key usage digital signature and key encipherment
 * (QEMU 10 refuses a certificate without the latter). The operator's own issuer lives in the
 * operator module, which this module cannot depend on.
 *
 * @param caCertificate the CA's certificate
 * @param serverCertificate the target's certificate
 * @param serverKey its key
 * @param clientCertificate the source's certificate
 * @param clientKey its key
 */
record OpensslCertificates(
    String caCertificate,
    String serverCertificate,
    String serverKey,
    String clientCertificate,
    String clientKey) {

  /** Issues a CA named {@code ca} and its two certificates into {@code dir}. */
  static OpensslCertificates issue(Path dir, String ca, String serverName)
      throws IOException, InterruptedException {
    Files.createDirectories(dir);
    openssl(dir, "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ca-key.pem");
    openssl(
        dir,
        "req",
        "-x509",
        "-new",
        "-key",
        "ca-key.pem",
        "-subj",
        "/CN=" + ca,
        "-days",
        "1",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
        "-out",
        "ca-cert.pem");
    leaf(dir, "server", "serverAuth", serverName);
    leaf(dir, "client", "clientAuth", "source");
    return new OpensslCertificates(
        read(dir, "ca-cert.pem"),
        read(dir, "server-cert.pem"),
        read(dir, "server-key.pem"),
        read(dir, "client-cert.pem"),
        read(dir, "client-key.pem"));
  }

  /** The target's credentials. */
  MigrationTls server() {
    return MigrationTls.incoming(caCertificate, serverCertificate, serverKey);
  }

  /** The source's credentials, expecting the target to be {@code hostname}. */
  MigrationTls client(String hostname) {
    return new MigrationTls(caCertificate, clientCertificate, clientKey, hostname);
  }

  private static void leaf(Path dir, String side, String purpose, String dnsName)
      throws IOException, InterruptedException {
    openssl(dir, "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", side + "-key.pem");
    openssl(
        dir,
        "req",
        "-new",
        "-key",
        side + "-key.pem",
        "-subj",
        "/CN=" + dnsName,
        "-out",
        side + ".csr");
    Files.writeString(
        dir.resolve(side + ".ext"),
        "basicConstraints=critical,CA:FALSE\n"
            + "keyUsage=digitalSignature,keyEncipherment\n"
            + "extendedKeyUsage="
            + purpose
            + "\n"
            + "subjectAltName=DNS:"
            + dnsName
            + "\n");
    openssl(
        dir,
        "x509",
        "-req",
        "-in",
        side + ".csr",
        "-CA",
        "ca-cert.pem",
        "-CAkey",
        "ca-key.pem",
        "-set_serial",
        String.valueOf(System.nanoTime()),
        "-days",
        "1",
        "-extfile",
        side + ".ext",
        "-out",
        side + "-cert.pem");
  }

  private static void openssl(Path dir, String... arguments)
      throws IOException, InterruptedException {
    var command = new ArrayList<String>(List.of("openssl"));
    command.addAll(List.of(arguments));
    Process process =
        new ProcessBuilder(command)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("openssl.log").toFile())
            .start();
    if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
      process.destroyForcibly();
      throw new IOException(
          String.join(" ", command) + " failed: " + Files.readString(dir.resolve("openssl.log")));
    }
  }

  private static String read(Path dir, String name) throws IOException {
    return Files.readString(dir.resolve(name), StandardCharsets.US_ASCII);
  }
}
