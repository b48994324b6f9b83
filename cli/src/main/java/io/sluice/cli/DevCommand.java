package io.sluice.cli;

import io.sluice.core.cluster.SluiceNode;
import io.sluice.core.registry.Durations;
import io.sluice.gateway.Gateway;
import io.sluice.gateway.GatewayConfig;
import io.sluice.gateway.Tokens;
import io.sluice.kafka.embedded.EmbeddedKafkaBroker;
import io.sluice.runtime.FunctionRuntime;
import io.sluice.runtime.RuntimeConfig;
import io.sluice.scheduler.Scheduler;
import io.sluice.scheduler.SchedulerConfig;
import io.vertx.core.Vertx;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;

@Command(name = "dev", mixinStandardHelpOptions = true,
        description = {"Run all of Sluice in one JVM, for development.",
            "An embedded Kafka broker (or --kafka, an existing one), the data grid, the scheduler, the gateway",
            "and in-process runtimes; nothing needed but a JDK. Ctrl-C stops it and deletes its data."})
final class DevCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--demo", description = "Also deploy word count, then a sum stage, on topic demo-text, feed it text "
            + "and print each batch's word totals.")
    boolean demo;

    @Option(names = "--kafka", paramLabel = "HOST:PORT",
            description = "Use this Kafka cluster (bootstrap servers, comma-separated) instead of an embedded broker.")
    String externalKafka;

    @Option(names = "--port", defaultValue = "8080", description = "Gateway port (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--scheduler-port", defaultValue = "7070", description = "Port runtimes connect to (default: ${DEFAULT-VALUE}).")
    int schedulerPort;

    @Option(names = "--runtimes", defaultValue = "2", description = "In-process runtimes (default: ${DEFAULT-VALUE}).")
    int runtimes;

    @Option(names = "--slots", defaultValue = "2", description = "Slots per runtime (default: ${DEFAULT-VALUE}).")
    int slots;

    @Override
    public Integer call() throws InterruptedException {
        if (runtimes < 1) {
            throw CliException.usage("--runtimes must be at least 1");
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println("Starting Sluice dev (" + (externalKafka == null ? "embedded Kafka" : "Kafka at " + externalKafka)
                + ", data grid, scheduler, gateway, " + runtimes + " runtimes)...");
        out.flush();
        try (Servers servers = new Servers()) {
            String bootstrap;
            if (externalKafka == null) {
                bootstrap = servers.start("embedded Kafka broker", () -> EmbeddedKafkaBroker.create().start()).bootstrapServers();
            } else {
                DevKafka.check(externalKafka);
                bootstrap = externalKafka;
            }
            SluiceNode node = servers.start("data grid", SluiceNode::local);
            Vertx vertx = Vertx.vertx();
            servers.start("Vert.x", () -> vertx::close);
            Scheduler scheduler = servers.start("scheduler", () -> Scheduler.start(
                    SchedulerConfig.defaults(bootstrap).withPort(schedulerPort), node, vertx));
            for (int i = 1; i <= runtimes; i++) {
                RuntimeConfig config = RuntimeConfig.of(scheduler.runtimeUri(), "dev-runtime-" + i, slots);
                servers.start("runtime", () -> FunctionRuntime.startInProcess(config, node, vertx));
            }
            String token = Tokens.generate();
            Gateway gateway = servers.start("gateway", () -> Gateway.start(
                    GatewayConfig.defaults(bootstrap).withPort(port).withTokens(Tokens.admin(token)), node, vertx));
            String saved = SavedToken.write(token);

            out.printf("%nSluice dev is up.%n");
            out.printf("  gateway    %s   (dashboard /, API /v1, spec /v1/openapi.yaml)%n", gateway.url());
            out.printf("  Kafka      %s   (%s; produce your input here)%n", bootstrap,
                    externalKafka == null ? "embedded KRaft broker" : "given with --kafka");
            out.printf("  token      %s   (admin; %s)%n", token, saved);
            out.printf("  scheduler  %s%n", scheduler.runtimeUri());
            out.printf("  runtimes   %d in-process, %d slot(s) each; add more with `sluice runtime` only against a clustered scheduler%n",
                    runtimes, slots);
            out.printf("Deploy with: sluice deploy my.jar --class com.acme.MyFunction --name my --input in --output out%n");
            if (demo) {
                servers.start("demo", () -> Demo.start(bootstrap, new GatewayClient(gateway.url(), token), out));
            }
            out.println("Ctrl-C stops everything.");
            out.flush();
            servers.runUntilStopped();
        }
        return ExitCodes.OK;
    }

    static Duration duration(String option, String text) {
        try {
            return Durations.parse(text);
        } catch (IllegalArgumentException e) {
            throw CliException.usage(option + ": " + e.getMessage());
        }
    }
}
