package io.sluice.cli;

import io.sluice.core.registry.Durations;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "deploy", mixinStandardHelpOptions = true,
        description = {"Upload a function jar and start a pipeline running it.",
            "The function and the pipeline both get NAME. Deploying a jar under an existing function name adds a version."},
        footer = {"", "Example:",
            "  sluice deploy target/grep.jar --class com.acme.Grep --name errors \\",
            "      --input logs --output errors --batch 500ms --partitions 8 --param pattern=ERROR"})
final class DeployCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    GatewayOption gateway;

    @Parameters(index = "0", paramLabel = "JAR", description = "The function's jar, with its dependencies inside.")
    Path jar;

    @Option(names = "--class", required = true, paramLabel = "CLASS", description = "The class implementing BatchFunction.")
    String className;

    @Option(names = "--name", required = true, description = "Name of the function and of the pipeline.")
    String name;

    @Option(names = "--input", required = true, paramLabel = "TOPIC", description = "An input topic; repeat for more.")
    List<String> inputs;

    @Option(names = "--output", required = true, paramLabel = "TOPIC", description = "The output topic (created if missing).")
    String output;

    @Option(names = "--batch", defaultValue = "1s", paramLabel = "INTERVAL",
            description = "Batch interval, 50ms to 1h (default: ${DEFAULT-VALUE}).")
    String batch;

    @Option(names = "--partitions", defaultValue = "4", description = "Tasks per batch (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--delivery", defaultValue = "exactly-once", paramLabel = "MODE",
            description = "exactly-once (output and commit marker in one Kafka transaction; read with read_committed) "
                    + "or at-least-once (lower latency; a retried task writes again). Default: ${DEFAULT-VALUE}.")
    String delivery;

    @Option(names = "--speculation", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Copy a straggling task to another runtime; the first copy to finish wins "
                    + "(--no-speculation turns it off). Default: on.")
    boolean speculation;

    @Option(names = "--param", paramLabel = "KEY=VALUE", description = "A parameter for the function; repeat for more.")
    Map<String, String> parameters = Map.of();

    @Override
    public Integer call() {
        Duration interval;
        try {
            interval = Durations.parse(batch);
        } catch (IllegalArgumentException e) {
            throw CliException.usage("--batch: " + e.getMessage());
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(jar);
        } catch (IOException e) {
            throw CliException.usage("cannot read jar " + jar + (Files.exists(jar) ? ": " + e.getMessage() : ": no such file"));
        }
        GatewayClient client = gateway.client();
        JsonObject function = client.uploadJar(name, className, bytes);
        JsonObject pipeline = client.postJson("/v1/pipelines", new JsonObject()
                .put("name", name)
                .put("function", name)
                .put("inputs", new JsonArray(inputs))
                .put("output", output)
                .put("batchInterval", Durations.format(interval))
                .put("partitions", partitions)
                .put("delivery", delivery)
                .put("speculation", speculation)
                .put("parameters", new JsonObject(Map.copyOf(parameters))));
        var out = spec.commandLine().getOut();
        out.printf("Function %s version %d uploaded (%s, sha256 %s…)%n", name, function.getInteger("version"),
                className, function.getString("sha256").substring(0, 12));
        out.printf("Pipeline %s running: %s -> %s every %s in %d partitions, %s; dead letters go to %s%n", name,
                String.join(", ", inputs), output, pipeline.getString("batchInterval"), pipeline.getInteger("partitions"),
                pipeline.getString("delivery"), pipeline.getString("deadLetterTopic"));
        out.flush();
        return ExitCodes.OK;
    }
}
