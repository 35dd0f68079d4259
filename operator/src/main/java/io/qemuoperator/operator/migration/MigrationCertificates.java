package io.qemuoperator.operator.migration;

import io.qemuoperator.sidecar.api.MigrationTls;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;

/**
 * Issues the certificates of one migration's TLS stream, as QEMU's {@code tls-creds-x509} reads
 * them (PEM): a CA made for this migration only, a server certificate for the target QEMU (its
 * name, {@link Issued#hostname()}, is what the source checks) and a client certificate for the
 * source QEMU (the target checks it: {@code verify-peer}). Both ends are thereby authenticated, and
 * nothing but these two QEMUs trusts the CA. ECDSA P-256 keys; the certificates are valid from an
 * hour before now (clock skew between nodes) until {@code validity} after.
 */
public final class MigrationCertificates {
  private static final String SIGNATURE = "SHA256withECDSA";

  private final SecureRandom random;

  public MigrationCertificates(SecureRandom random) {
    this.random = random;
  }

  /** The PEMs of one migration; {@code hostname} names the target in its certificate. */
  public record Issued(
      String caCertificate,
      String serverCertificate,
      String serverKey,
      String clientCertificate,
      String clientKey,
      String hostname) {

    /** What the target's sidecar hands its QEMU: the server's side. */
    public MigrationTls incoming() {
      return MigrationTls.incoming(caCertificate, serverCertificate, serverKey);
    }

    /** What the source's sidecar hands its QEMU: the client's side and the name to check. */
    public MigrationTls outgoing() {
      return new MigrationTls(caCertificate, clientCertificate, clientKey, hostname);
    }
  }

  public Issued issue(String hostname, Instant now, Duration validity) {
    try {
      Date from = Date.from(now.minus(Duration.ofHours(1)));
      Date until = Date.from(now.plus(validity));
      KeyPair ca = keyPair();
      X500Name caName = new X500Name("CN=qemu-operator migration CA " + hostname);
      X509v3CertificateBuilder caBuilder =
          new JcaX509v3CertificateBuilder(caName, serial(), from, until, caName, ca.getPublic());
      caBuilder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
      caBuilder.addExtension(
          Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      ContentSigner signer = new JcaContentSignerBuilder(SIGNATURE).build(ca.getPrivate());
      X509Certificate caCertificate = certificate(caBuilder, signer);

      KeyPair server = keyPair();
      X509v3CertificateBuilder serverBuilder =
          leaf(
              caName,
              new X500Name("CN=" + hostname),
              from,
              until,
              server,
              KeyPurposeId.id_kp_serverAuth);
      serverBuilder.addExtension(
          Extension.subjectAlternativeName,
          false,
          new GeneralNames(new GeneralName(GeneralName.dNSName, hostname)));
      KeyPair client = keyPair();
      X509v3CertificateBuilder clientBuilder =
          leaf(
              caName,
              new X500Name("CN=qemu-operator migration source"),
              from,
              until,
              client,
              KeyPurposeId.id_kp_clientAuth);
      return new Issued(
          pem(caCertificate),
          pem(certificate(serverBuilder, signer)),
          privateKeyPem(server),
          pem(certificate(clientBuilder, signer)),
          privateKeyPem(client),
          hostname);
    } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
      throw new IllegalStateException("cannot issue a migration's certificates", e);
    }
  }

  private X509v3CertificateBuilder leaf(
      X500Name issuer, X500Name subject, Date from, Date until, KeyPair keys, KeyPurposeId purpose)
      throws IOException {
    var builder =
        new JcaX509v3CertificateBuilder(issuer, serial(), from, until, subject, keys.getPublic());
    builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
    // QEMU refuses a certificate whose critical key usage lacks key encipherment: not critical
    builder.addExtension(
        Extension.keyUsage,
        false,
        new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
    builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
    return builder;
  }

  private KeyPair keyPair() throws GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"), random);
    return generator.generateKeyPair();
  }

  private BigInteger serial() {
    return new BigInteger(64, random).abs().add(BigInteger.ONE);
  }

  private static X509Certificate certificate(X509v3CertificateBuilder builder, ContentSigner signer)
      throws GeneralSecurityException {
    return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
  }

  private static String pem(Object object) {
    var text = new StringWriter();
    try (var writer = new JcaPEMWriter(text)) {
      writer.writeObject(object);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return text.toString();
  }

  /**
   * The key as SEC 1 {@code EC PRIVATE KEY} with its curve and public key: GnuTLS (QEMU) cannot
   * read the JDK's PKCS#8 encoding, which leaves the public key out ("ASN1 parser: Element was not
   * found").
   */
  private static String privateKeyPem(KeyPair keys) throws IOException {
    var publicKey = SubjectPublicKeyInfo.getInstance(keys.getPublic().getEncoded());
    var privateKey = (java.security.interfaces.ECPrivateKey) keys.getPrivate();
    var sec1 =
        new ECPrivateKey(
            CURVE_BITS,
            privateKey.getS(),
            publicKey.getPublicKeyData(),
            publicKey.getAlgorithm().getParameters());
    return pem(new PemObject("EC PRIVATE KEY", sec1.getEncoded()));
  }

  private static final int CURVE_BITS = 256;
}
