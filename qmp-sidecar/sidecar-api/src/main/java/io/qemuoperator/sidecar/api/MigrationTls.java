package io.qemuoperator.sidecar.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The X.509 credentials of one side of a TLS migration, as PEM texts: the sidecar writes them into
 * a folder QEMU reads ({@code tls-creds-x509}, {@code verify-peer} on: both sides present a
 * certificate of the same CA). They travel only in the request to the sidecar, never in the pod's
 * spec; no error text ever repeats them.
 *
 * @param caCertificate the CA's certificate ({@code -----BEGIN CERTIFICATE-----}), which signed the
 *     peer's certificate
 * @param certificate this side's certificate, signed by that CA
 * @param privateKey this side's private key: {@code -----BEGIN EC PRIVATE KEY-----} (SEC1) or
 *     {@code -----BEGIN PRIVATE KEY-----} (PKCS#8; GnuTLS cannot read every PKCS#8 EC key, QEMU
 *     then refuses it)
 * @param hostname the outgoing side's {@code tls-hostname}: the DNS name the target's certificate
 *     must carry; required there, ignored on the incoming side (may be null)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MigrationTls(
    String caCertificate, String certificate, String privateKey, String hostname) {

  /** The longest PEM text accepted, in characters. */
  public static final int MAX_PEM_CHARS = 16 * 1024;

  /** The longest {@link #hostname}. */
  public static final int MAX_HOSTNAME_CHARS = 253;

  private static final Pattern DNS_NAME =
      Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*");

  /** Credentials of the incoming side, which has no hostname to check. */
  public static MigrationTls incoming(String caCertificate, String certificate, String privateKey) {
    return new MigrationTls(caCertificate, certificate, privateKey, null);
  }

  /**
   * What is wrong with these credentials (empty when nothing is), one message per member, each
   * prefixed {@code tls.}; never the PEM text itself.
   *
   * @param hostnameRequired the outgoing side's: {@link #hostname} must be a DNS name
   */
  public List<String> violations(boolean hostnameRequired) {
    var found = new ArrayList<String>();
    pem("caCertificate", caCertificate, List.of("CERTIFICATE"), found);
    pem("certificate", certificate, List.of("CERTIFICATE"), found);
    pem("privateKey", privateKey, List.of("EC PRIVATE KEY", "PRIVATE KEY"), found);
    if (hostnameRequired) {
      if (hostname == null || hostname.isEmpty()) {
        found.add("tls.hostname: must not be empty: the DNS name the target's certificate carries");
      } else if (hostname.length() > MAX_HOSTNAME_CHARS || !DNS_NAME.matcher(hostname).matches()) {
        found.add(
            "tls.hostname: must be a DNS name of at most "
                + MAX_HOSTNAME_CHARS
                + " characters (lowercase letters, digits, '-' and '.'), got '"
                + Excerpt.of(hostname)
                + "'");
      }
    }
    return List.copyOf(found);
  }

  private static void pem(String member, String text, List<String> labels, List<String> found) {
    String what = "tls." + member + ": ";
    if (text == null || text.isBlank()) {
      found.add(what + "must not be empty");
      return;
    }
    if (text.length() > MAX_PEM_CHARS) {
      found.add(what + "must be at most " + MAX_PEM_CHARS + " characters, got " + text.length());
      return;
    }
    String pem = text.strip();
    boolean armoured =
        labels.stream()
            .anyMatch(
                label ->
                    pem.startsWith("-----BEGIN " + label + "-----")
                        && pem.endsWith("-----END " + label + "-----"));
    if (!armoured) {
      found.add(
          what
              + "must be a PEM text from "
              + String.join(
                  " or ", labels.stream().map(label -> "-----BEGIN " + label + "-----").toList())
              + " to its -----END ...----- line");
    }
  }
}
