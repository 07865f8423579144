package org.oversky.gateway.tls;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Optional;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Self-signed certificates the node makes itself, signed with the JDK's own provider: the
 * placeholder a TLS listener starts with before any certificate is there, and the validation
 * certificate of an ACME TLS-ALPN-01 challenge (RFC 8737).
 */
public final class SelfSigned {
  /** id-pe-acmeIdentifier (RFC 8737 §6.1): the SHA-256 of the key authorization, critical. */
  public static final String ACME_IDENTIFIER_OID = "1.3.6.1.5.5.7.1.31";

  private SelfSigned() {}

  /**
   * A certificate for {@code host} (its CN and only DNS name), valid from a minute ago for {@code
   * validity}, with the acmeIdentifier extension holding {@code acmeValidation} when given.
   */
  public static X509Certificate certificate(KeyPair pair, String host, Duration validity, Optional<byte[]> acmeValidation) {
    Instant now = Instant.now();
    X500Name name = new X500Name("CN=" + host);
    try {
      JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(now.toEpochMilli()),
          Date.from(now.minusSeconds(60)), Date.from(now.plus(validity)), name, pair.getPublic());
      b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName(GeneralName.dNSName, host)));
      if (acmeValidation.isPresent()) {
        b.addExtension(new ASN1ObjectIdentifier(ACME_IDENTIFIER_OID), true, new DEROctetString(acmeValidation.get()));
      }
      return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())));
    } catch (CertIOException | OperatorCreationException | GeneralSecurityException e) {
      throw new IllegalStateException("a self-signed EC certificate for " + host + " could not be made", e);
    }
  }
}
