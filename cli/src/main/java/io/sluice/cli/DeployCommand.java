package io.sluice.cli;

import io.sluice.core.registry.Durations;
import io.sluice.core.registry.PipelineSpec;
import io.sluice.core.registry.StageSpec;
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
        footer = {"", "Examples:",
            "  sluice deploy target/grep.jar --class com.acme.Grep --name errors \\",
            "      --input logs --output errors --batch 500ms --partitions 8 --param pattern=ERROR",
            "  sluice deploy word-count.jar --class io.sluice.examples.WordCount \\",
            "      --name words --input text --output counts \\",
            "      --reduce sum --reduce-partitions 2"})
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

    @Option(names = "--reduce", paramLabel = "REDUCTION",
            description = "Add a stage after the function that reduces each key's values per batch, into one record "
                    + "per key: count, sum, min or max (values are UTF-8 decimal integers; count takes any value), "
                    + "or a class in the jar implementing Reducer.")
    String reduce;

    @Option(names = "--stage-class", paramLabel = "CLASS",
            description = "Instead of --reduce: add a stage after the function that runs this BatchFunction class "
                    + "from the jar over its partition's records grouped by key.")
    String stageClass;

    @Option(names = "--reduce-partitions", paramLabel = "N",
            description = "Partitions of the stage added by --reduce or --stage-class (default: --partitions).")
    Integer reducePartitions;

    @Override
    public Integer call() {
        Duration interval;
        try {
            interval = Durations.parse(batch);
        } catch (IllegalArgumentException e) {
            throw CliException.usage("--batch: " + e.getMessage());
        }
        JsonArray stages = stages();
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(jar);
        } catch (IOException e) {
            throw CliException.usage("cannot read jar " + jar + (Files.exists(jar) ? ": " + e.getMessage() : ": no such file"));
        }
        GatewayClient client = gateway.client();
        JsonObject function = client.uploadJar(name, className, bytes);
        JsonObject request = new JsonObject()
                .put("name", name)
                .put("function", name)
                .put("inputs", new JsonArray(inputs))
                .put("output", output)
                .put("batchInterval", Durations.format(interval))
                .put("partitions", partitions)
                .put("delivery", delivery)
                .put("speculation", speculation)
                .put("parameters", new JsonObject(Map.copyOf(parameters)));
        if (!stages.isEmpty()) {
            request.put("stages", stages);
        }
        JsonObject pipeline = client.postJson("/v1/pipelines", request);
        String then = Stages.describe(pipeline.getJsonArray("stages"));
        var out = spec.commandLine().getOut();
        out.printf("Function %s version %d uploaded (%s, sha256 %s…)%n", name, function.getInteger("version"),
                className, function.getString("sha256").substring(0, 12));
        out.printf("Pipeline %s running: %s -> %s every %s in %d partitions%s, %s; dead letters go to %s%n", name,
                String.join(", ", inputs), output, pipeline.getString("batchInterval"), pipeline.getInteger("partitions"),
                then.isEmpty() ? "" : ", then " + then, pipeline.getString("delivery"), pipeline.getString("deadLetterTopic"));
        out.flush();
        return ExitCodes.OK;
    }

    /**
     * The stage {@code --reduce} or {@code --stage-class} adds, as the gateway takes it, checked here
     * so that a bad command line is refused before the jar is uploaded.
     *
     * @return the {@code stages} of the request, empty for a one-stage pipeline
     */
    private JsonArray stages() {
        if (reduce != null && stageClass != null) {
            throw CliException.usage("--reduce and --stage-class are alternatives: give one (each adds one stage after the function)");
        }
        if (reduce == null && stageClass == null) {
            if (reducePartitions != null) {
                throw CliException.usage("--reduce-partitions sets the partitions of a stage: give --reduce or --stage-class too");
            }
            return new JsonArray();
        }
        int stagePartitions = reducePartitions == null ? partitions : reducePartitions;
        if (stagePartitions < 1 || stagePartitions > PipelineSpec.MAX_PARTITIONS) {
            throw CliException.usage((reducePartitions == null ? "--partitions" : "--reduce-partitions") + " must be 1 to "
                    + PipelineSpec.MAX_PARTITIONS + ", was " + stagePartitions);
        }
        StageSpec stage;
        try {
            stage = reduce != null ? StageSpec.reduce(reduce, stagePartitions) : StageSpec.function(stageClass, stagePartitions);
        } catch (IllegalArgumentException e) {
            throw CliException.usage((reduce != null ? "--reduce: " : "--stage-class: ") + e.getMessage());
        }
        JsonObject json = stage.reduces() ? new JsonObject().put("reduce", stage.reduce())
                : new JsonObject().put("class", stage.className());
        return new JsonArray().add(json.put("partitions", stage.partitions()));
    }
}
