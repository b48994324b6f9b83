package io.sluice.cli;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;

/** A TLS context that trusts the certificates of one PEM file: {@code --ca-cert}. */
final class Trust {

    private Trust() {
    }

    /** @throws CliException a usage error if the file cannot be read or holds no certificate */
    static SSLContext of(Path pem) {
        try (InputStream in = Files.newInputStream(pem)) {
            Collection<? extends Certificate> certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
            if (certificates.isEmpty()) {
                throw CliException.usage("--ca-cert " + pem + " holds no PEM certificate");
            }
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int i = 0;
            for (Certificate c : certificates) {
                store.setCertificateEntry("ca-" + i++, c);
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        } catch (IOException e) {
            throw CliException.usage("--ca-cert: cannot read " + pem + ": " + e.getMessage());
        } catch (GeneralSecurityException e) {
            throw CliException.usage("--ca-cert " + pem + " is not a PEM certificate: " + e.getMessage());
        }
    }
}
