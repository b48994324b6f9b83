package io.sluice.cli;

import picocli.CommandLine.Option;

/** {@code --gateway}, shared by every command that talks to the gateway. */
final class GatewayOption {

    static final String DEFAULT = "http://127.0.0.1:8080";

    @Option(names = "--gateway", paramLabel = "URL",
            description = "The gateway, default $SLUICE_GATEWAY or " + DEFAULT + ".")
    String gateway;

    @Option(names = "--token", paramLabel = "TOKEN",
            description = "The gateway's bearer token, default $SLUICE_TOKEN, else the one `sluice dev` saved in ~/.sluice/token.")
    String token;

    @Option(names = "--ca-cert", paramLabel = "PEM",
            description = "Trust an https gateway whose certificate this PEM file holds or signed, "
                    + "default $SLUICE_CA_CERT, else the JDK's trusted authorities.")
    java.nio.file.Path caCert;

    GatewayClient client() {
        java.nio.file.Path pem = caCert;
        if (pem == null && System.getenv("SLUICE_CA_CERT") != null && !System.getenv("SLUICE_CA_CERT").isBlank()) {
            pem = java.nio.file.Path.of(System.getenv("SLUICE_CA_CERT").strip());
        }
        return new GatewayClient(url(), token(), pem == null ? null : Trust.of(pem));
    }

    /** @return the token to send: {@code --token}, else {@code $SLUICE_TOKEN}, else the saved one, else none */
    String token() {
        if (token != null) {
            return token;
        }
        String env = System.getenv("SLUICE_TOKEN");
        if (env != null && !env.isBlank()) {
            return env.strip();
        }
        return SavedToken.read();
    }

    /** @return the gateway's base URL: {@code --gateway}, else {@code $SLUICE_GATEWAY}, else the default */
    String url() {
        if (gateway != null) {
            return gateway;
        }
        String env = System.getenv("SLUICE_GATEWAY");
        return env == null || env.isBlank() ? DEFAULT : env;
    }
}
