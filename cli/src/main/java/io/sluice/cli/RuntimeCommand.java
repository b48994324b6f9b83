package io.sluice.cli;

import io.sluice.runtime.FunctionRuntime;
import io.sluice.runtime.RuntimeConfig;
import io.sluice.runtime.RuntimeMain;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.util.concurrent.Callable;

@Command(name = "runtime", mixinStandardHelpOptions = true,
        description = {"Run a function runtime: it takes tasks from the scheduler until stopped.",
            "Start as many as you like, anywhere that reaches the scheduler, Kafka and the data grid."})
final class RuntimeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--scheduler", required = true, paramLabel = "URL", description = "The scheduler, e.g. ws://127.0.0.1:7070/runtime; with standbys, all of them separated by commas.")
    String scheduler;

    @Option(names = "--slots", description = "Tasks run at once (default: the number of cores).")
    Integer slots;

    @Option(names = "--secret", paramLabel = "SECRET",
            description = "The scheduler's runtime secret (default: $SLUICE_SECRET).")
    String secret;

    @Option(names = "--name", description = "Name in status and logs (default: host-pid).")
    String name;

    @Option(names = "--bind", defaultValue = "127.0.0.1", description = "Address for the data grid connection (default: ${DEFAULT-VALUE}).")
    String bind;

    @Option(names = "--metrics-port", paramLabel = "PORT", defaultValue = "-1",
            description = "Serve this runtime's Prometheus metrics at http://BIND:PORT/metrics (default: none).")
    int metricsPort;

    @Override
    public Integer call() throws InterruptedException {
        RuntimeConfig config;
        try {
            config = RuntimeConfig.of(scheduler, name == null ? RuntimeMain.defaultName() : name,
                    slots == null ? Runtime.getRuntime().availableProcessors() : slots).withBindAddress(bind)
                    .withSecret(Secrets.resolve(secret)).withMetricsPort(metricsPort);
        } catch (IllegalArgumentException e) {
            throw CliException.usage(e.getMessage());
        }
        try (Servers servers = new Servers()) {
            servers.start("runtime", () -> FunctionRuntime.start(config));
            spec.commandLine().getOut().printf("Runtime %s with %d slot(s) connecting to %s.%n", config.name(), config.slots(),
                    config.schedulers());
            spec.commandLine().getOut().flush();
            servers.runUntilStopped();
        }
        return ExitCodes.OK;
    }
}
