package io.sluice.cli;

import io.sluice.core.cluster.ClusterSettings;
import io.sluice.core.cluster.SluiceNode;
import io.sluice.scheduler.Scheduler;
import io.sluice.scheduler.SchedulerConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.time.Duration;
import java.util.concurrent.Callable;

@Command(name = "scheduler", mixinStandardHelpOptions = true,
        description = {"Run the scheduler: ingest, slicing, dispatch and commit for every pipeline.",
            "Runtimes connect to it; it joins the data grid that holds batches and the registry."})
final class SchedulerCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ClusterOptions cluster;

    @Option(names = "--kafka", required = true, paramLabel = "BOOTSTRAP", description = "Kafka bootstrap servers, e.g. broker1:9092.")
    String kafka;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address runtimes connect to (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", defaultValue = "7070", description = "Port runtimes connect to (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--secret", paramLabel = "SECRET",
            description = "The cluster's secret: runtimes prove it to connect and data grid members to join "
                    + "(default: $SLUICE_SECRET; without either, anyone who reaches the ports).")
    String secret;

    @Option(names = "--max-attempts", defaultValue = "4", description = "Attempts per task before dead-lettering (default: ${DEFAULT-VALUE}).")
    int maxAttempts;

    @Option(names = "--task-timeout", defaultValue = "60s", description = "An attempt running longer is cancelled and retried (default: ${DEFAULT-VALUE}).")
    String taskTimeout;

    @Override
    public Integer call() throws InterruptedException {
        Duration timeout = DevCommand.duration("--task-timeout", taskTimeout);
        ClusterSettings settings = cluster.settings(Secrets.resolve(secret));
        try (Servers servers = new Servers()) {
            SluiceNode node = servers.start("data grid member", () -> SluiceNode.clustered(settings));
            SchedulerConfig config;
            try {
                config = SchedulerConfig.defaults(kafka).withHost(host).withPort(port)
                        .withCluster(settings.clusterName(), settings.initialHosts())
                        .withTaskTimeout(timeout).withMaxAttempts(maxAttempts).withRuntimeSecret(Secrets.resolve(secret));
            } catch (IllegalArgumentException e) {
                throw CliException.usage(e.getMessage());
            }
            Scheduler scheduler = servers.start("scheduler", () -> Scheduler.start(config, node));
            spec.commandLine().getOut().printf("Scheduler up. Runtimes connect to %s; data grid '%s' on %s.%n",
                    scheduler.runtimeUri(), settings.clusterName(), settings.self());
            spec.commandLine().getOut().flush();
            servers.runUntilStopped();
        }
        return ExitCodes.OK;
    }
}
