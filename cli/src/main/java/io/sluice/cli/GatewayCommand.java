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

    @Override
    public Integer call() throws InterruptedException {
        ClusterSettings settings = cluster.settings();
        Tokens accepted;
        try {
            accepted = tokens == null ? Tokens.none() : Tokens.read(tokens);
        } catch (IllegalArgumentException e) {
            throw CliException.usage("--tokens: " + e.getMessage());
        }
        GatewayConfig config = new GatewayConfig(host, port, maxUploadMib * 1024L * 1024L, kafka, accepted);
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
