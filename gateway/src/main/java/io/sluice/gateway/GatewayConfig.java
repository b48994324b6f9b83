package io.sluice.gateway;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Where the gateway listens and what it accepts.
 *
 * @param host           the address to bind, {@code 127.0.0.1} by default; {@code 0.0.0.0} to serve other machines
 * @param port           the HTTP port, 8080 by default; 0 picks a free one
 * @param maxUploadBytes the largest request body accepted, 64 MiB by default; larger uploads get 413
 * @param kafkaBootstrap the Kafka cluster pipelines read, used to refuse pipelines on missing input topics
 * @param tokens         the bearer tokens it accepts; none for an open gateway
 * @param tls            the PEM certificate (chain) and private key to serve HTTPS with, or null for plain HTTP
 */
public record GatewayConfig(String host, int port, long maxUploadBytes, String kafkaBootstrap, Tokens tokens, Tls tls) {

    /**
     * HTTPS: a PEM certificate, or a chain with the gateway's own first, and its PEM private key.
     *
     * @throws IllegalArgumentException if either file cannot be read
     */
    public record Tls(Path certificate, Path key) {
        public Tls {
            for (Path p : new Path[] {Objects.requireNonNull(certificate, "certificate"), Objects.requireNonNull(key, "key")}) {
                if (!Files.isReadable(p)) {
                    throw new IllegalArgumentException("cannot read " + p);
                }
            }
        }
    }

    public static final int DEFAULT_PORT = 8080;
    public static final long DEFAULT_MAX_UPLOAD = 64L * 1024 * 1024;

    public GatewayConfig {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(kafkaBootstrap, "kafkaBootstrap");
        tokens = tokens == null ? Tokens.none() : tokens;
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535, was " + port);
        }
        if (maxUploadBytes < 1024) {
            throw new IllegalArgumentException("the upload limit must be at least 1 KiB, was " + maxUploadBytes);
        }
    }

    /** An open gateway. */
    public GatewayConfig(String host, int port, long maxUploadBytes, String kafkaBootstrap) {
        this(host, port, maxUploadBytes, kafkaBootstrap, Tokens.none(), null);
    }

    /** A gateway over plain HTTP. */
    public GatewayConfig(String host, int port, long maxUploadBytes, String kafkaBootstrap, Tokens tokens) {
        this(host, port, maxUploadBytes, kafkaBootstrap, tokens, null);
    }

    /** @return 127.0.0.1:8080 with a 64 MiB upload limit, open */
    public static GatewayConfig defaults(String kafkaBootstrap) {
        return new GatewayConfig("127.0.0.1", DEFAULT_PORT, DEFAULT_MAX_UPLOAD, kafkaBootstrap);
    }

    /** @return the same configuration accepting only these tokens */
    public GatewayConfig withTokens(Tokens newTokens) {
        return new GatewayConfig(host, port, maxUploadBytes, kafkaBootstrap, newTokens, tls);
    }

    /** @return the same configuration serving HTTPS with this certificate and key (null: plain HTTP) */
    public GatewayConfig withTls(Tls newTls) {
        return new GatewayConfig(host, port, maxUploadBytes, kafkaBootstrap, tokens, newTls);
    }

    /** @return the same configuration on another port */
    public GatewayConfig withPort(int newPort) {
        return new GatewayConfig(host, newPort, maxUploadBytes, kafkaBootstrap, tokens, tls);
    }

    /** @return the same configuration with another upload limit */
    public GatewayConfig withMaxUploadBytes(long limit) {
        return new GatewayConfig(host, port, limit, kafkaBootstrap, tokens, tls);
    }
}
