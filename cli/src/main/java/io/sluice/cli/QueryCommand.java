package io.sluice.cli;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "query", mixinStandardHelpOptions = true,
        description = {"Run SQL over a past range of a topic, on the runtimes, or over a table, and print the result.",
            "The topic or table is the one the query names in FROM. A GROUP BY totals each group over the whole range. "
                + "Ctrl-C cancels the query."},
        footer = {"", "Examples:",
            "  sluice query --schema 'user VARCHAR, amount DOUBLE' \\",
            "      \"SELECT \\\"user\\\", SUM(amount) AS total FROM orders GROUP BY \\\"user\\\"\"",
            "  sluice query --schema 'level VARCHAR, msg VARCHAR' --format csv --from 2026-12-04T10:00:00Z \\",
            "      --to 2026-12-04T11:00:00Z --limit 20 --output json \"SELECT msg FROM logs WHERE level = 'ERROR'\"",
            "  sluice query \"SELECT key, total FROM balances WHERE total > 1000\""})
final class QueryCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    GatewayOption gateway;

    @Parameters(index = "0", paramLabel = "QUERY", description = "The query, in Calcite's SQL; quote identifiers with \"...\".")
    String sql;

    @Option(names = "--schema", paramLabel = "COLUMNS",
            description = "The topic's columns, as 'name TYPE, ...'; types are VARCHAR, BIGINT (INT), DOUBLE, BOOLEAN, "
                    + "TIMESTAMP. Not needed for a table, which has its columns (and its key as 'key').")
    String schema;

    @Option(names = "--format", defaultValue = "json", paramLabel = "FORMAT", description = "json or csv. Default: ${DEFAULT-VALUE}.")
    String format;

    @Option(names = "--from", paramLabel = "TIME", description = "Records from this time (ISO-8601 or epoch ms); default: the start.")
    String from;

    @Option(names = "--to", paramLabel = "TIME", description = "Records before this time; default: the end now.")
    String to;

    @Option(names = "--limit", defaultValue = "1000", description = "At most this many rows, up to 10000 (default: ${DEFAULT-VALUE}).")
    int limit;

    @Option(names = "--timeout", defaultValue = "60s", paramLabel = "DURATION",
            description = "Stop after this long, with the rows so far, up to 10m (default: ${DEFAULT-VALUE}).")
    String timeout;

    @Option(names = "--output", defaultValue = "table", paramLabel = "FORMAT",
            description = "table (aligned columns) or json (one object). Default: ${DEFAULT-VALUE}.")
    String output;

    @Override
    public Integer call() throws InterruptedException {
        if (!output.equals("table") && !output.equals("json")) {
            throw CliException.usage("--output is table or json, not '" + output + "'");
        }
        JsonObject request = new JsonObject().put("sql", sql).put("limit", limit).put("timeout", timeout);
        if (schema != null) {
            request.put("schema", schema).put("format", format);
        }
        if (from != null) {
            request.put("from", from);
        }
        if (to != null) {
            request.put("to", to);
        }
        GatewayClient client = gateway.client();
        JsonObject started = client.postJson("/v1/queries", request);
        String id = started.getString("id");
        Thread cancel = new Thread(() -> {
            try {
                client.delete("/v1/queries/" + id);
            } catch (RuntimeException e) {
                // the gateway is gone too: nothing left to cancel
            }
        });
        Runtime.getRuntime().addShutdownHook(cancel);
        PrintWriter err = spec.commandLine().getErr();
        Progress bar = null;
        JsonObject status = started;
        try {
            while ("running".equals(status.getString("state"))) {
                long batches = status.getLong("batches");
                if (batches > 1 && bar == null) {
                    bar = new Progress(err, batches, "batches");
                }
                if (bar != null) {
                    bar.show(status.getLong("done"));
                }
                Thread.sleep(200);
                status = client.get("/v1/queries/" + id);
            }
        } finally {
            Runtime.getRuntime().removeShutdownHook(cancel);
        }
        if (bar != null) {
            bar.show(status.getLong("done"));
            bar.finish();
        }
        if (!"done".equals(status.getString("state"))) {
            throw new CliException(ExitCodes.FAILED, "query " + id + " " + status.getString("state")
                    + (status.containsKey("stopped") ? ": " + status.getString("stopped") : ""));
        }
        PrintWriter out = spec.commandLine().getOut();
        if (output.equals("json")) {
            out.println(new JsonObject().put("columns", status.getJsonArray("columns")).put("rows", status.getJsonArray("rows"))
                    .put("truncated", status.getBoolean("truncated")).encode());
        } else {
            printTable(out, status.getJsonArray("columns"), status.getJsonArray("rows"));
        }
        out.flush();
        if (status.containsKey("stopped")) {
            err.println("sluice: " + status.getString("stopped"));
            err.flush();
        }
        return ExitCodes.OK;
    }

    /** Prints rows under their column names, each column as wide as its widest value; numbers to the right. */
    static void printTable(PrintWriter out, JsonArray columns, JsonArray rows) {
        int n = columns.size();
        List<String[]> cells = new ArrayList<>();
        String[] header = new String[n];
        int[] width = new int[n];
        boolean[] numeric = new boolean[n];
        for (int i = 0; i < n; i++) {
            JsonObject c = columns.getJsonObject(i);
            header[i] = c.getString("name");
            width[i] = header[i].length();
            numeric[i] = c.getString("type").equals("BIGINT") || c.getString("type").equals("DOUBLE");
        }
        for (Object row : rows) {
            JsonArray values = (JsonArray) row;
            String[] line = new String[n];
            for (int i = 0; i < n; i++) {
                Object v = values.getValue(i);
                line[i] = v == null ? "NULL" : String.valueOf(v);
                width[i] = Math.max(width[i], line[i].length());
            }
            cells.add(line);
        }
        out.println(line(header, width, new boolean[n]));
        StringBuilder rule = new StringBuilder();
        for (int i = 0; i < n; i++) {
            rule.append(i == 0 ? "" : "  ").append("-".repeat(width[i]));
        }
        out.println(rule);
        cells.forEach(c -> out.println(line(c, width, numeric)));
        out.println("(" + rows.size() + " row" + (rows.size() == 1 ? "" : "s") + ")");
    }

    private static String line(String[] values, int[] width, boolean[] right) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < values.length; i++) {
            String pad = " ".repeat(width[i] - values[i].length());
            out.append(i == 0 ? "" : "  ").append(right[i] ? pad + values[i] : values[i] + (i == values.length - 1 ? "" : pad));
        }
        return out.toString();
    }
}
