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

    GatewayClient client() {
        return new GatewayClient(url(), token());
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
