package dev.baton.tls;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * TLS for SMTP: server contexts from PEM files, or from a self-signed certificate created on
 * first start. Only TLS 1.3 and 1.2 are enabled.
 */
public final class TlsContexts {

    public static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    static {
        // TLS 1.2 renegotiation started by a client is refused (TLS 1.3 has none): it buys an
        // attacker handshakes at our expense. Read by the JDK when its TLS classes load, so set
        // before the first context is made, unless the operator chose otherwise.
        if (System.getProperty("jdk.tls.rejectClientInitiatedRenegotiation") == null) {
            System.setProperty("jdk.tls.rejectClientInitiatedRenegotiation", "true");
        }
    }

    /**
     * The cipher suites a server socket enables, in the JDK's order: TLS 1.3's (all AEAD) and
     * the TLS 1.2 suites with an ephemeral key exchange and an AEAD cipher (GCM, ChaCha20-Poly1305).
     * CBC suites are left out; a peer that only has those (very old software) cannot use TLS with us.
     */
    public static String[] serverCipherSuites(String[] enabled) {
        List<String> keep = new ArrayList<>();
        for (String suite : enabled) {
            boolean tls13 = suite.startsWith("TLS_AES_") || suite.startsWith("TLS_CHACHA20_");
            boolean aead = suite.contains("_GCM_") || suite.contains("_CHACHA20_POLY1305_");
            boolean ephemeral = suite.startsWith("TLS_ECDHE_") || suite.startsWith("TLS_DHE_");
            if (tls13 || (aead && ephemeral)) {
                keep.add(suite);
            }
        }
        return keep.toArray(String[]::new);
    }

    private TlsContexts() {
    }

    /** A server context from a PEM certificate chain and a PEM private key. */
    public static SSLContext server(Path certificatePem, Path keyPem) throws IOException {
        try {
            List<X509Certificate> chain = readCertificates(certificatePem);
            if (chain.isEmpty()) {
                throw new IOException("tls: " + certificatePem + " holds no certificate (expected PEM: -----BEGIN CERTIFICATE-----)");
            }
            PrivateKey key = readKey(keyPem);
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("smtp", key, new char[0], chain.toArray(new Certificate[0]));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, new char[0]);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), null, new SecureRandom());
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IOException("tls: cannot use " + certificatePem + " with " + keyPem + ": " + e.getMessage(), e);
        }
    }

    /**
     * The self-signed pair in dir (cert.pem, key.pem), created for fqdn when absent.
     * Returns the paths.
     */
    public static Path[] selfSigned(Path dir, String fqdn) throws IOException {
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        if (Files.exists(cert) && Files.exists(key)) {
            return new Path[] {cert, key};
        }
        Files.createDirectories(dir);
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair kp = g.generateKeyPair();
            X500Name name = new X500Name("CN=" + fqdn + ",O=Baton self-signed");
            Instant now = Instant.now();
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, new BigInteger(64, new SecureRandom()),
                    Date.from(now.minus(Duration.ofDays(1))), Date.from(now.plus(Duration.ofDays(3650))), name, kp.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName(GeneralName.dNSName, fqdn)));
            b.addExtension(Extension.extendedKeyUsage, false,
                    new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
            X509CertificateHolder holder = b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate()));
            X509Certificate x509 = new JcaX509CertificateConverter().getCertificate(holder);
            Path tmpKey = dir.resolve("key.pem.tmp");
            Files.deleteIfExists(tmpKey);
            Files.createFile(tmpKey, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try (Writer w = Files.newBufferedWriter(tmpKey); JcaPEMWriter pw = new JcaPEMWriter(w)) {
                pw.writeObject(new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(kp.getPrivate(), null));
            }
            Path tmpCert = dir.resolve("cert.pem.tmp");
            try (Writer w = Files.newBufferedWriter(tmpCert); JcaPEMWriter pw = new JcaPEMWriter(w)) {
                pw.writeObject(x509);
            }
            Files.move(tmpKey, key, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            Files.move(tmpCert, cert, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            return new Path[] {cert, key};
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IOException("tls: cannot create a self-signed certificate: " + e.getMessage(), e);
        }
    }

    static List<X509Certificate> readCertificates(Path pem) throws IOException, GeneralSecurityException {
        List<X509Certificate> out = new ArrayList<>();
        try (Reader r = Files.newBufferedReader(pem); PEMParser p = new PEMParser(r)) {
            Object o;
            while ((o = p.readObject()) != null) {
                if (o instanceof X509CertificateHolder h) {
                    out.add(new JcaX509CertificateConverter().getCertificate(h));
                }
            }
        }
        return out;
    }

    static PrivateKey readKey(Path pem) throws IOException {
        try (Reader r = Files.newBufferedReader(pem); PEMParser p = new PEMParser(r)) {
            Object o;
            JcaPEMKeyConverter conv = new JcaPEMKeyConverter();
            while ((o = p.readObject()) != null) {
                if (o instanceof PEMKeyPair kp) {
                    return conv.getPrivateKey(kp.getPrivateKeyInfo());
                }
                if (o instanceof PrivateKeyInfo pki) {
                    return conv.getPrivateKey(pki);
                }
            }
        }
        throw new IOException("tls: " + pem + " holds no unencrypted private key (expected PEM: -----BEGIN PRIVATE KEY-----)");
    }

    /** Restricts a server-side socket to TLS 1.3/1.2. */
    public static SSLParameters serverParameters(SSLContext ctx) {
        SSLParameters p = ctx.getDefaultSSLParameters();
        p.setProtocols(PROTOCOLS);
        return p;
    }

    /** A server socket factory whose sockets only speak TLS 1.3/1.2. */
    public static SSLSocketFactory serverFactory(SSLContext ctx) {
        return new RestrictedSocketFactory(ctx.getSocketFactory(), false);
    }

    /**
     * A client factory. With verify=false it accepts any certificate: opportunistic TLS
     * (RFC 7435) between MTAs, where an unverified encryption beats none.
     */
    public static SSLSocketFactory clientFactory(boolean verify) throws IOException {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            TrustManager[] tms = verify ? null : new TrustManager[] {new TrustAll()};
            ctx.init(null, tms, new SecureRandom());
            return new RestrictedSocketFactory(ctx.getSocketFactory(), true);
        } catch (GeneralSecurityException e) {
            throw new IOException("tls: " + e.getMessage(), e);
        }
    }

    /**
     * A client factory for TLS policy verify: the chain must lead to a JDK default trust anchor
     * or to one of the certificates in extraTrustPem (when not null), and the certificate must
     * name the host given to {@code createSocket(socket, host, port, autoClose)}.
     */
    public static SSLSocketFactory verifyingClientFactory(Path extraTrustPem) throws IOException {
        try {
            TrustManager[] tms = null;
            if (extraTrustPem != null) {
                List<X509Certificate> extra = readCertificates(extraTrustPem);
                if (extra.isEmpty()) {
                    throw new IOException("tls: " + extraTrustPem + " holds no certificate (expected PEM: -----BEGIN CERTIFICATE-----)");
                }
                KeyStore ks = KeyStore.getInstance("PKCS12");
                ks.load(null, null);
                int i = 0;
                for (X509Certificate c : defaultTrustAnchors()) {
                    ks.setCertificateEntry("jdk-" + i++, c);
                }
                for (X509Certificate c : extra) {
                    ks.setCertificateEntry("extra-" + i++, c);
                }
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(ks);
                tms = tmf.getTrustManagers();
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tms, new SecureRandom());
            return new RestrictedSocketFactory(ctx.getSocketFactory(), true, true);
        } catch (GeneralSecurityException e) {
            throw new IOException("tls: cannot use trusted certificates " + extraTrustPem + ": " + e.getMessage(), e);
        }
    }

    private static List<X509Certificate> defaultTrustAnchors() throws GeneralSecurityException {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init((KeyStore) null);
        List<X509Certificate> out = new ArrayList<>();
        for (TrustManager tm : tmf.getTrustManagers()) {
            if (tm instanceof X509TrustManager x) {
                out.addAll(List.of(x.getAcceptedIssuers()));
            }
        }
        return out;
    }

    private static final class TrustAll implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
            // opportunistic: any certificate will do
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
            // opportunistic: any certificate will do
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
