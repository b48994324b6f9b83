package io.sluice.cli;

import picocli.CommandLine.Option;

/** {@code --gateway}, shared by every command that talks to the gateway. */
final class GatewayOption {

    static final String DEFAULT = "http://127.0.0.1:8080";

    @Option(names = "--gateway", paramLabel = "URL",
            description = "The gateway, default $SLUICE_GATEWAY or " + DEFAULT + ".")
    String gateway;

    GatewayClient client() {
        String url = gateway;
        if (url == null) {
            String env = System.getenv("SLUICE_GATEWAY");
            url = env == null || env.isBlank() ? DEFAULT : env;
        }
        return new GatewayClient(url);
    }
}
