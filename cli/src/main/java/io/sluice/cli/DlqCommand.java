package io.sluice.cli;

import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Instant;
import java.util.concurrent.Callable;

@Command(name = "dlq", mixinStandardHelpOptions = true,
        description = {"List a pipeline's latest dead letters with their reasons, or send them through it again.",
            "--replay runs the dead letters through a version of the pipeline's function (its newest by default, "
                + "for example the one with the fix) into the pipeline's output, exactly once."},
        footer = {"", "Examples:",
            "  sluice dlq orders",
            "  sluice dlq orders --replay --version 3"})
final class DlqCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    GatewayOption gateway;

    @Mixin
    OutputOption output;

    @Parameters(index = "0", paramLabel = "PIPELINE")
    String pipeline;

    @Option(names = "--limit", defaultValue = "20", description = "How many of the latest to list (default: ${DEFAULT-VALUE}).")
    int limit;

    @Option(names = "--replay", description = "Send the dead letters through the pipeline again.")
    boolean replay;

    @Option(names = "--version", paramLabel = "N", description = "With --replay: the function version (default: the newest).")
    Integer version;

    @Option(names = "--from", paramLabel = "OFFSET", description = "With --replay: the first dead letter's offset (default: 0).")
    Long from;

    @Override
    public Integer call() throws InterruptedException {
        GatewayClient client = gateway.client();
        PrintWriter out = spec.commandLine().getOut();
        if (!replay) {
            if (version != null || from != null) {
                throw CliException.usage("--version and --from go with --replay");
            }
            JsonObject list = client.get("/v1/pipelines/" + pipeline + "/dead-letters?limit=" + limit);
            if (output.json()) {
                OutputOption.print(out, list);
                return ExitCodes.OK;
            }
            Table table = new Table("OFFSET", "TIME", "SOURCE", "VALUE", "ERROR");
            for (Object o : list.getJsonArray("deadLetters")) {
                JsonObject d = (JsonObject) o;
                String value = d.getString("value") == null ? "" : d.getString("value");
                table.row(d.getLong("offset"), Instant.ofEpochMilli(d.getLong("timestamp")).toString(),
                        d.getString("sourceTopic", "?") + "-" + d.getString("sourcePartition", "?") + "@" + d.getString("sourceOffset", "?"),
                        value.length() > 40 ? value.substring(0, 40) + "..." : value, d.getString("error", ""));
            }
            table.printOr(out, "No dead letters in " + list.getString("topic") + ".");
            out.printf("%d dead letter(s) in %s%n", list.getLong("total"), list.getString("topic"));
            out.flush();
            return ExitCodes.OK;
        }
        JsonObject request = new JsonObject();
        if (version != null) {
            request.put("version", version);
        }
        if (from != null) {
            request.put("from", from);
        }
        JsonObject started = client.postJson("/v1/pipelines/" + pipeline + "/dead-letters/replay", request);
        String name = started.getString("name");
        long batches = started.getLong("batches");
        out.printf("Dead letters [%d, %d) of %s go through %s@%d again as %s -> %s%n", started.getLong("from"),
                started.getLong("to"), pipeline, started.getString("function"), started.getInteger("functionVersion"), name,
                started.getString("output"));
        out.flush();
        Progress bar = new Progress(out, batches, "batches");
        while (true) {
            long done = client.get("/v1/pipelines/" + name).getJsonObject("progress").getLong("batches");
            bar.show(done);
            if (done >= batches) {
                break;
            }
            Thread.sleep(250);
        }
        bar.finish();
        out.printf("Done. What failed again is in sluice.dlq.%s; next time start with --from %d%n", name, started.getLong("to"));
        out.flush();
        return ExitCodes.OK;
    }
}
