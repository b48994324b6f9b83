package io.sluice.gateway;

import io.sluice.core.cluster.SluiceNode;
import io.sluice.kafka.embedded.SharedKafka;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Key;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The gateway over HTTPS with a PEM certificate and key (made here by the JDK's keytool): a client
 * that trusts the certificate gets the API, one that does not is refused in the handshake, and
 * plain HTTP to the port gets no answer from the API.
 */
class TlsIT {

    @Test
    void servesHttpsWithTheGivenCertificateAndKey(@TempDir Path dir) throws Exception {
        Path cert = dir.resolve("gateway.crt");
        Path key = dir.resolve("gateway.key");
        selfSigned(dir, cert, key);
        Vertx vertx = Vertx.vertx();
        try (SluiceNode node = SluiceNode.local();
             Gateway gateway = Gateway.start(GatewayConfig.defaults(SharedKafka.broker().bootstrapServers()).withPort(0)
                     .withTls(new GatewayConfig.Tls(cert, key)), node, vertx)) {
            assertTrue(gateway.url().startsWith("https://127.0.0.1:"), gateway.url());
            HttpResponse<String> health = client(trusting(cert)).send(HttpRequest.newBuilder(URI.create(gateway.url() + "/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, health.statusCode());
            assertEquals("{\"status\":\"up\"}", health.body());

            assertThrows(SSLHandshakeException.class, () -> client(SSLContext.getDefault()).send(
                    HttpRequest.newBuilder(URI.create(gateway.url() + "/health")).build(), HttpResponse.BodyHandlers.ofString()),
                    "a client that does not trust the certificate is refused");
            String plain = "http://127.0.0.1:" + gateway.port() + "/health";
            assertThrows(IOException.class, () -> client(SSLContext.getDefault()).send(HttpRequest.newBuilder(URI.create(plain))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()), "plain HTTP is not served");
        } finally {
            vertx.close().await(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void refusesUnreadableFiles(@TempDir Path dir) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new GatewayConfig.Tls(dir.resolve("missing.crt"), dir.resolve("missing.key")));
        assertTrue(e.getMessage().contains("missing.crt"), e.getMessage());
    }

    private static HttpClient client(SSLContext ssl) {
        return HttpClient.newBuilder().sslContext(ssl).connectTimeout(Duration.ofSeconds(5)).build();
    }

    /** A self-signed certificate for 127.0.0.1 from keytool, written out as PEM certificate and PKCS#8 key. */
    static void selfSigned(Path dir, Path cert, Path key) throws Exception {
        Path store = dir.resolve("gateway.p12");
        Process keytool = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "gateway", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                "-dname", "CN=127.0.0.1", "-ext", "san=ip:127.0.0.1", "-storetype", "PKCS12",
                "-keystore", store.toString(), "-storepass", "changeit", "-keypass", "changeit"))
                .redirectErrorStream(true).start();
        String output = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(keytool.waitFor(60, TimeUnit.SECONDS) && keytool.exitValue() == 0, "keytool: " + output);
        KeyStore p12 = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            p12.load(in, "changeit".toCharArray());
        }
        Key privateKey = p12.getKey("gateway", "changeit".toCharArray());
        Files.writeString(key, pem("PRIVATE KEY", privateKey.getEncoded()));
        Files.writeString(cert, pem("CERTIFICATE", p12.getCertificate("gateway").getEncoded()));
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der) + "\n-----END " + type + "-----\n";
    }

    static SSLContext trusting(Path cert) throws Exception {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        try (InputStream in = Files.newInputStream(cert)) {
            Certificate c = java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in);
            store.setCertificateEntry("gateway", c);
        }
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(store);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return context;
    }
}
