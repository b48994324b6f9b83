package io.sluice.cli;

import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

@Command(name = "replay", mixinStandardHelpOptions = true,
        description = {"Run a pipeline again over batches it already ran, as a bounded job with its own output.",
            "The batches come from the pipeline's batch log with their batch times and offset ranges, so the replay "
                + "writes what the pipeline wrote for them (with the version of its function you choose). The live "
                + "pipeline's offsets never move. Stateful stages start from empty state."},
        footer = {"", "Examples:",
            "  sluice replay totals --from 2026-12-04T10:00:00Z --to 2026-12-04T11:00:00Z --output totals-again",
            "  sluice replay words --from 0:1200,1:1180 --version 3 --output words-v3"})
final class ReplayCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    GatewayOption gateway;

    @Parameters(index = "0", paramLabel = "PIPELINE", description = "The pipeline to replay.")
    String pipeline;

    @Option(names = "--from", paramLabel = "TIME|OFFSETS",
            description = "The first batch: a time (ISO-8601 or epoch ms) or offsets (partition:offset,...). Default: the first logged.")
    String from;

    @Option(names = "--to", paramLabel = "TIME|OFFSETS", description = "The last batch, as --from. Default: the last logged.")
    String to;

    @Option(names = "--version", paramLabel = "N", description = "The function version to run (default: the pipeline's).")
    Integer version;

    @Option(names = "--output", required = true, paramLabel = "TOPIC", description = "Where the replay writes.")
    String output;

    @Option(names = "--name", description = "The replay pipeline's name (default: PIPELINE-replay-N).")
    String name;

    @Option(names = "--detach", description = "Start the replay and return, without waiting for it.")
    boolean detach;

    @Override
    public Integer call() throws InterruptedException {
        JsonObject request = new JsonObject().put("output", output);
        if (from != null) {
            request.put("from", from);
        }
        if (to != null) {
            request.put("to", to);
        }
        if (version != null) {
            request.put("version", version);
        }
        if (name != null) {
            request.put("name", name);
        }
        GatewayClient client = gateway.client();
        JsonObject replay = client.postJson("/v1/pipelines/" + pipeline + "/replay", request);
        String replayName = replay.getString("name");
        long batches = replay.getLong("batches");
        PrintWriter out = spec.commandLine().getOut();
        out.printf("Replay %s of %s: %d batch(es) -> %s%n", replayName, pipeline, batches, output);
        out.flush();
        if (detach) {
            return ExitCodes.OK;
        }
        Progress bar = new Progress(out, batches, "batches");
        while (true) {
            JsonObject status = client.get("/v1/pipelines/" + replayName);
            long done = status.getJsonObject("progress").getLong("batches");
            bar.show(done);
            if (done >= batches) {
                break;
            }
            Thread.sleep(250);
        }
        bar.finish();
        out.printf("Replay %s done: its output is in %s; delete it with: sluice undeploy %s%n", replayName, output, replayName);
        out.flush();
        return ExitCodes.OK;
    }
}
