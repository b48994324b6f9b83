package io.sluice.cli;

import io.sluice.core.registry.Durations;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.time.Duration;
import java.util.concurrent.Callable;

@Command(name = "sql", mixinStandardHelpOptions = true,
        description = {"Start a pipeline that runs a SQL query over every batch of a topic.",
            "The query reads the input topic as a table of the declared columns, plus rowtime (the batch time). "
                + "GROUP BY runs in two stages: partial aggregates before a shuffle by the group key, the rest after it. "
                + "Output is one JSON object per row, keyed by the group key. A record that does not fit the schema "
                + "goes to the dead-letter topic with the reason."},
        footer = {"", "Examples:",
            "  sluice sql --name totals --input orders --schema 'user VARCHAR, amount DOUBLE' --output totals \\",
            "      \"SELECT \\\"user\\\", SUM(amount) AS total, COUNT(*) AS n FROM orders GROUP BY \\\"user\\\"\"",
            "  sluice sql --name trend --input orders --schema 'user VARCHAR, amount DOUBLE' --output trend \\",
            "      \"SELECT \\\"user\\\", HOP_END(rowtime, INTERVAL '5' SECOND, INTERVAL '30' SECOND) AS wend, COUNT(*) AS n",
            "       FROM orders GROUP BY HOP(rowtime, INTERVAL '5' SECOND, INTERVAL '30' SECOND), \\\"user\\\"\"",
            "  sluice sql --name balances --input orders --schema 'user VARCHAR, amount DOUBLE' --output balances \\",
            "      --running --table balances \"SELECT \\\"user\\\", SUM(amount) AS total FROM orders GROUP BY \\\"user\\\"\"",
            "  sluice sql --name errors --input logs --schema 'level VARCHAR, msg VARCHAR' --format csv --output errors \\",
            "      \"SELECT msg FROM logs WHERE level = 'ERROR'\""})
final class SqlCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    GatewayOption gateway;

    @Parameters(index = "0", paramLabel = "QUERY", description = "The query, in Calcite's SQL; quote identifiers with \"...\".")
    String sql;

    @Option(names = "--name", required = true, description = "Name of the pipeline.")
    String name;

    @Option(names = "--input", required = true, paramLabel = "TOPIC", description = "The input topic, which the query names in FROM.")
    String input;

    @Option(names = "--schema", required = true, paramLabel = "COLUMNS",
            description = "The input's columns, as 'name TYPE, ...'; types are VARCHAR, BIGINT (INT), DOUBLE, BOOLEAN, TIMESTAMP.")
    String schema;

    @Option(names = "--format", defaultValue = "json", paramLabel = "FORMAT",
            description = "json (one object per record; fields by name) or csv (columns in order). Default: ${DEFAULT-VALUE}.")
    String format;

    @Option(names = "--output", required = true, paramLabel = "TOPIC", description = "The output topic (created if missing).")
    String output;

    @Option(names = "--batch", defaultValue = "1s", paramLabel = "INTERVAL",
            description = "Batch interval, 50ms to 1h; windows are multiples of it (default: ${DEFAULT-VALUE}).")
    String batch;

    @Option(names = "--partitions", defaultValue = "4", description = "Tasks per batch, in each stage (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--delivery", defaultValue = "exactly-once", paramLabel = "MODE",
            description = "exactly-once or at-least-once. Default: ${DEFAULT-VALUE}.")
    String delivery;

    @Option(names = "--running",
            description = "GROUP BY over every batch so far (each group's state is kept, exactly once), not per batch: "
                    + "each batch writes the new totals of the groups it changed.")
    boolean running;

    @Option(names = "--table", paramLabel = "NAME",
            description = "Keep the latest row of every group in the table NAME, readable at /v1/tables/NAME.")
    String table;

    @Mixin
    FirstBatch.WaitOption wait;

    @Override
    public Integer call() throws InterruptedException {
        Duration interval = DevCommand.duration("--batch", batch);
        JsonObject request = new JsonObject()
                .put("name", name)
                .put("sql", sql)
                .put("schema", schema)
                .put("format", format)
                .put("inputs", new JsonArray().add(input))
                .put("output", output)
                .put("batchInterval", Durations.format(interval))
                .put("partitions", partitions)
                .put("delivery", delivery);
        if (running) {
            request.put("running", true);
        }
        if (table != null) {
            request.put("table", table);
        }
        GatewayClient client = gateway.client();
        JsonObject pipeline = client.postJson("/v1/pipelines", request);
        var out = spec.commandLine().getOut();
        int stages = 1 + pipeline.getJsonArray("stages").size();
        out.printf("Pipeline %s running SQL: %s -> %s every %s in %d partitions, %d stage%s, %s; dead letters go to %s%n",
                name, input, output, pipeline.getString("batchInterval"), pipeline.getInteger("partitions"), stages,
                stages == 1 ? "" : "s", pipeline.getString("delivery"), pipeline.getString("deadLetterTopic"));
        if (table != null) {
            out.printf("Table %s follows %s: %s/v1/tables/%s%n", table, output, gateway.url(), table);
        }
        out.flush();
        return FirstBatch.await(client, name, wait.duration(), out);
    }
}
