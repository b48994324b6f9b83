package io.sluice.cli;

import io.sluice.core.cluster.ClusterSettings;
import io.sluice.core.cluster.SluiceNode;
import io.sluice.gateway.Gateway;
import io.sluice.gateway.GatewayConfig;
import io.sluice.gateway.Tokens;
import io.vertx.core.Vertx;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.util.concurrent.Callable;

@Command(name = "gateway", mixinStandardHelpOptions = true,
        description = "Run the HTTP gateway. It joins the scheduler's data grid (give it the scheduler's --cluster-bind as --cluster-hosts).")
final class GatewayCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ClusterOptions cluster;

    @Option(names = "--kafka", required = true, paramLabel = "BOOTSTRAP", description = "Kafka bootstrap servers, to check input topics.")
    String kafka;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", defaultValue = "8080", description = "HTTP port (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--max-upload-mib", defaultValue = "64", description = "Largest accepted upload in MiB (default: ${DEFAULT-VALUE}).")
    int maxUploadMib;

    @Option(names = "--tokens", paramLabel = "FILE",
            description = "The bearer tokens to accept, one per line as 'admin TOKEN' or 'read TOKEN' (read: GET only). "
                    + "Without it the gateway is open: anyone who reaches it can upload and run code.")
    java.nio.file.Path tokens;

    @Option(names = "--tls-cert", paramLabel = "PEM",
            description = "Serve HTTPS with this PEM certificate (or chain, the gateway's first); needs --tls-key.")
    java.nio.file.Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "PEM", description = "The PEM private key of --tls-cert.")
    java.nio.file.Path tlsKey;

    @Option(names = "--secret", paramLabel = "SECRET",
            description = "The cluster's secret, proved to join the data grid (default: $SLUICE_SECRET; without either, none).")
    String secret;

    @Override
    public Integer call() throws InterruptedException {
        ClusterSettings settings = cluster.settings(Secrets.resolve(secret));
        Tokens accepted;
        try {
            accepted = tokens == null ? Tokens.none() : Tokens.read(tokens);
        } catch (IllegalArgumentException e) {
            throw CliException.usage("--tokens: " + e.getMessage());
        }
        if ((tlsCert == null) != (tlsKey == null)) {
            throw CliException.usage("--tls-cert and --tls-key go together: give both, or neither for plain HTTP");
        }
        GatewayConfig config;
        try {
            config = new GatewayConfig(host, port, maxUploadMib * 1024L * 1024L, kafka, accepted,
                    tlsCert == null ? null : new GatewayConfig.Tls(tlsCert, tlsKey));
        } catch (IllegalArgumentException e) {
            throw CliException.usage(e.getMessage());
        }
        try (Servers servers = new Servers()) {
            SluiceNode node = servers.start("data grid member", () -> SluiceNode.clustered(settings));
            Vertx vertx = Vertx.vertx();
            servers.start("Vert.x", () -> vertx::close);
            Gateway gateway = servers.start("gateway", () -> Gateway.start(config, node, vertx));
            spec.commandLine().getOut().printf("Gateway up at %s (API /v1, spec /v1/openapi.yaml), %s.%n", gateway.url(),
                    accepted.required() ? "tokens required" : "OPEN: no tokens required (give --tokens FILE)");
            spec.commandLine().getOut().flush();
            servers.runUntilStopped();
        }
        return ExitCodes.OK;
    }
}
