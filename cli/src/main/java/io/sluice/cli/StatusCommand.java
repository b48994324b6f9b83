package io.sluice.cli;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;

@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Show a pipeline: its state, totals, recent batches and the runtimes.")
final class StatusCommand implements Callable<Integer> {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneId.systemDefault());

    @Spec
    CommandSpec spec;

    @Mixin
    GatewayOption gateway;

    @Mixin
    OutputOption output;

    @Parameters(index = "0", paramLabel = "PIPELINE")
    String pipeline;

    @Option(names = "--last", defaultValue = "10", description = "How many recent batches to show (default: ${DEFAULT-VALUE}).")
    int last;

    @Override
    public Integer call() {
        JsonObject p = gateway.client().get("/v1/pipelines/" + pipeline);
        if (output.json()) {
            OutputOption.print(spec.commandLine().getOut(), p);
            return ExitCodes.OK;
        }
        JsonObject progress = p.getJsonObject("progress");
        PrintWriter out = spec.commandLine().getOut();
        String then = Stages.describe(p.getJsonArray("stages"));
        out.printf("Pipeline %s: %s, %s -> %s@%d -> %s, %s batches, %d partitions%s%n", p.getString("name"),
                p.getString("state"), String.join(",", p.getJsonArray("inputs").getList()), p.getString("function"),
                p.getInteger("functionVersion"), p.getString("output"), p.getString("batchInterval"), p.getInteger("partitions"),
                then.isEmpty() ? "" : ", then " + then);
        out.printf("Completed %d batches, %d records in, %d out; %d batch(es) in flight%n", progress.getLong("batches"),
                progress.getLong("records"), progress.getLong("outputRecords"), progress.getInteger("pendingBatches"));
        if (progress.getString("lastError") != null) {
            out.println("Last error: " + progress.getString("lastError"));
        }
        out.println();
        JsonArray batches = progress.getJsonArray("recentBatches");
        if (batches.isEmpty()) {
            out.println("No batches completed yet.");
        } else {
            Table table = new Table("BATCH", "RECORDS", "OUT", "ATTEMPTS", "SCHEDULING DELAY", "PROCESSING", "TOTAL DELAY");
            for (int i = 0; i < Math.min(last, batches.size()); i++) {
                JsonObject b = batches.getJsonObject(i);
                table.row(TIME.format(Instant.ofEpochMilli(b.getLong("batchTime"))), b.getLong("records"),
                        b.getLong("outputRecords"), b.getInteger("attempts"), b.getLong("schedulingDelayMs") + " ms",
                        b.getLong("processingTimeMs") + " ms", b.getLong("totalDelayMs") + " ms");
            }
            table.print(out);
        }
        out.println();
        JsonArray runtimes = p.getJsonArray("runtimes");
        if (runtimes.isEmpty()) {
            out.println("No runtimes connected: batches wait until one is (`sluice runtime --scheduler ws://…`).");
        } else {
            Table table = new Table("RUNTIME", "SLOTS", "RUNNING", "COMPLETED", "FAILED");
            for (Object o : runtimes) {
                JsonObject r = (JsonObject) o;
                table.row(r.getString("name"), r.getInteger("slots"), r.getInteger("running"), r.getLong("completed"),
                        r.getLong("failed"));
            }
            table.print(out);
        }
        out.flush();
        return ExitCodes.OK;
    }
}
