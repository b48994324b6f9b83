package io.sluice.cli;

import io.sluice.core.registry.Durations;
import io.sluice.core.registry.PipelineSpec;
import io.sluice.core.registry.StageSpec;
import io.sluice.core.registry.Window;
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
            "      --reduce sum --reduce-partitions 2",
            "  sluice deploy word-count.jar --class io.sluice.examples.WordCount \\",
            "      --name trending --input text --output trending --reduce sum --window 30s/5s --incremental",
            "  sluice deploy running-total.jar --class io.sluice.examples.KeyedNumbers \\",
            "      --name totals --input amounts --output totals --state-class io.sluice.examples.RunningTotal"})
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

    @Option(names = "--state-class", paramLabel = "CLASS",
            description = "Instead of --reduce: add a stateful stage after the function that runs this StateFunction "
                    + "class from the jar, keeping each key's state from batch to batch.")
    String stateClass;

    @Option(names = "--state-timeout", paramLabel = "DURATION",
            description = "With --state-class: drop a key's state after it gets no records for this long (default: never).")
    String stateTimeout;

    @Option(names = "--window", paramLabel = "LENGTH[/SLIDE]",
            description = "With --reduce or --stage-class: emit, every SLIDE (default: LENGTH), over the batches of the "
                    + "last LENGTH, e.g. 30s/5s. Both are multiples of --batch.")
    String window;

    @Option(names = "--incremental",
            description = "With --window and an invertible --reduce (count, sum, or an InvertibleReducer): compute each "
                    + "window from the previous one.")
    boolean incremental;

    @Option(names = "--reduce-partitions", paramLabel = "N",
            description = "Partitions of the stage added by --reduce, --stage-class or --state-class (default: --partitions).")
    Integer reducePartitions;

    @Mixin
    FirstBatch.WaitOption wait;

    @Override
    public Integer call() throws InterruptedException {
        Duration interval = DevCommand.duration("--batch", batch);
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
        return FirstBatch.await(client, name, wait.duration(), out);
    }

    /**
     * The stage {@code --reduce} or {@code --stage-class} adds, as the gateway takes it, checked here
     * so that a bad command line is refused before the jar is uploaded.
     *
     * @return the {@code stages} of the request, empty for a one-stage pipeline
     */
    private JsonArray stages() {
        int kinds = (reduce != null ? 1 : 0) + (stageClass != null ? 1 : 0) + (stateClass != null ? 1 : 0);
        if (kinds > 1) {
            throw CliException.usage("--reduce, --stage-class and --state-class are alternatives: give one (each adds one "
                    + "stage after the function)");
        }
        if (kinds == 0) {
            for (String[] option : new String[][] {{"--reduce-partitions", reducePartitions == null ? null : ""},
                    {"--window", window}, {"--state-timeout", stateTimeout}, {"--incremental", incremental ? "" : null}}) {
                if (option[1] != null) {
                    throw CliException.usage(option[0] + " applies to a stage: give --reduce, --stage-class or --state-class too");
                }
            }
            return new JsonArray();
        }
        int stagePartitions = reducePartitions == null ? partitions : reducePartitions;
        if (stagePartitions < 1 || stagePartitions > PipelineSpec.MAX_PARTITIONS) {
            throw CliException.usage((reducePartitions == null ? "--partitions" : "--reduce-partitions") + " must be 1 to "
                    + PipelineSpec.MAX_PARTITIONS + ", was " + stagePartitions);
        }
        if (incremental && window == null) {
            throw CliException.usage("--incremental needs --window");
        }
        StageSpec stage;
        String option = reduce != null ? "--reduce" : stageClass != null ? "--stage-class" : "--state-class";
        try {
            Window w = window == null ? null : window();
            Duration timeout = stateTimeout == null ? null : Durations.parse(stateTimeout);
            stage = new StageSpec(reduce, stageClass, stateClass, stagePartitions, w, timeout);
        } catch (IllegalArgumentException e) {
            throw CliException.usage(option + ": " + e.getMessage());
        }
        JsonObject json = stage.reduces() ? new JsonObject().put("reduce", stage.reduce())
                : stateClass != null ? new JsonObject().put("state", stage.stateClass())
                : new JsonObject().put("class", stage.className());
        json.put("partitions", stage.partitions());
        if (stage.window() != null) {
            json.put("window", new JsonObject().put("length", Durations.format(stage.window().length()))
                    .put("slide", Durations.format(stage.window().slide())).put("incremental", stage.window().incremental()));
        }
        if (!stage.timeout().isZero()) {
            json.put("timeout", Durations.format(stage.timeout()));
        }
        return new JsonArray().add(json);
    }

    /** @return {@code --window} read as {@code LENGTH} or {@code LENGTH/SLIDE} */
    private Window window() {
        String[] parts = window.split("/", -1);
        if (parts.length > 2) {
            throw new IllegalArgumentException("--window is LENGTH or LENGTH/SLIDE, like 30s/5s; was '" + window + "'");
        }
        Duration length = Durations.parse(parts[0]);
        return new Window(length, parts.length == 2 ? Durations.parse(parts[1]) : length, incremental);
    }
}
