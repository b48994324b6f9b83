package io.sluice.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/**
 * {@code sluice}: deploy functions and run Sluice's server roles.
 *
 * <p>{@link #execute} is what {@link #main} runs, minus {@code System.exit}: tests drive it with
 * their own output streams.
 */
@Command(name = "sluice", mixinStandardHelpOptions = true, versionProvider = SluiceCli.Version.class,
        description = "Run your own functions on Kafka topics, in micro-batches.",
        subcommands = {
            DeployCommand.class, SqlCommand.class, QueryCommand.class, ReplayCommand.class, DlqCommand.class,
            FunctionsCommand.class, PipelinesCommand.class, StatusCommand.class,
            StopCommand.class, StartCommand.class, UndeployCommand.class,
            DevCommand.class, SchedulerCommand.class, RuntimeCommand.class, GatewayCommand.class,
            CompletionCommand.class, CommandLine.HelpCommand.class},
        footer = {"", "Exit codes: 0 done, 1 refused by the gateway, 2 bad command line, 3 gateway unreachable, 4 failed."})
public final class SluiceCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        Logging.configureFor(args);
        PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
        PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
        System.exit(execute(out, err, args));
    }

    /**
     * Runs one command line.
     *
     * @return the exit code, one of {@link ExitCodes}
     */
    public static int execute(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cli = new CommandLine(new SluiceCli());
        cli.setOut(out);
        cli.setErr(err);
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof CliException c) {
                commandLine.getErr().println("sluice: " + c.getMessage());
                commandLine.getErr().flush();
                return c.exitCode();
            }
            commandLine.getErr().println("sluice: " + e);
            commandLine.getErr().flush();
            return ExitCodes.FAILED;
        });
        cli.setParameterExceptionHandler((e, args1) -> {
            CommandLine bad = e.getCommandLine();
            bad.getErr().println("sluice: " + e.getMessage());
            bad.getErr().println("Try '" + bad.getCommandSpec().qualifiedName() + " --help'.");
            bad.getErr().flush();
            return ExitCodes.USAGE;
        });
        return cli.execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The version from the jar's manifest, or "development" when run from classes. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = SluiceCli.class.getPackage().getImplementationVersion();
            return new String[] {"sluice " + (version == null ? "0.1.0-SNAPSHOT" : version)};
        }
    }
}
