package io.sluice.cli;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Ad-hoc SQL through the CLI over a topic's past, run on the runtimes as a bounded job: a GROUP BY
 * over the whole topic and over a time range equals the totals computed here, printed as a table
 * or as JSON; a row limit is said; bad SQL is refused with its position.
 */
class QueryIT {

    private static Stack stack;

    @BeforeAll
    static void start() throws InterruptedException {
        stack = new Stack("query");
    }

    @AfterAll
    static void stop() {
        stack.close();
    }

    private static final String SCHEMA = "user VARCHAR, amount DOUBLE";

    @Test
    void aQueryOverARangeReturnsTheReferenceRows() {
        String topic = "orders-" + UUID.randomUUID().toString().substring(0, 6);
        stack.kafka.createTopic(topic, 3);
        // two hours ago and one: well inside the broker's retention, which deletes older records as it goes
        long late = System.currentTimeMillis() / 1000 * 1000 - 3_600_000;
        long early = late - 3_600_000;
        Map<String, double[]> all = new TreeMap<>();
        Map<String, double[]> first = new TreeMap<>();
        Random random = new Random(4);
        for (long at : new long[] {early, late}) {
            List<String> orders = new ArrayList<>();
            for (int i = 0; i < 1500; i++) {
                String user = "u" + random.nextInt(9);
                double amount = random.nextInt(400) / 4.0;
                orders.add("{\"user\":\"" + user + "\",\"amount\":" + amount + "}");
                for (Map<String, double[]> m : at == early ? List.of(all, first) : List.of(all)) {
                    double[] t = m.computeIfAbsent(user, u -> new double[2]);
                    t[0] += amount;
                    t[1]++;
                }
            }
            stack.produceAt(topic, orders, at);
        }
        String sql = "SELECT \"user\", SUM(amount) AS total, COUNT(*) AS n FROM \"" + topic + "\" GROUP BY \"user\"";

        Stack.Run table = stack.sluice("query", "--schema", SCHEMA, sql);
        assertEquals(0, table.exit(), table.err());
        List<String> lines = table.out().lines().toList();
        assertEquals(List.of("user", "total", "n"), List.of(lines.get(0).trim().split("\\s+")), table.out());
        assertTrue(lines.get(1).matches("[- ]+"), table.out());
        Map<String, double[]> printed = new TreeMap<>();
        for (String line : lines.subList(2, lines.size() - 1)) {
            String[] cells = line.trim().split("\\s+");
            printed.put(cells[0], new double[] {Double.parseDouble(cells[1]), Double.parseDouble(cells[2])});
        }
        assertEquals(text(all), text(printed), "the whole topic's totals, one row per user");
        assertEquals("(" + all.size() + " rows)", lines.get(lines.size() - 1));
        assertTrue(table.err().contains("batches"), "a progress bar for a range of several batches: " + table.err());

        Stack.Run json = stack.sluice("query", "--schema", SCHEMA, "--from", Instant.ofEpochMilli(early).toString(),
                "--to", Long.toString(late), "--output", "json", sql);
        assertEquals(0, json.exit(), json.err());
        JsonObject result = new JsonObject(json.out().strip());
        Map<String, double[]> ranged = new TreeMap<>();
        for (Object row : result.getJsonArray("rows")) {
            JsonArray r = (JsonArray) row;
            ranged.put(r.getString(0), new double[] {((Number) r.getValue(1)).doubleValue(), ((Number) r.getValue(2)).doubleValue()});
        }
        assertEquals(text(first), text(ranged), "only the orders of the first hour");
        assertEquals(false, result.getBoolean("truncated"));

        Stack.Run limited = stack.sluice("query", "--schema", SCHEMA, "--limit", "5",
                "SELECT \"user\", amount FROM \"" + topic + "\" WHERE amount >= 0");
        assertEquals(0, limited.exit(), limited.err());
        assertTrue(limited.out().strip().endsWith("(5 rows)"), limited.out());
        assertTrue(limited.err().contains("sluice: stopped at the row limit of 5"), limited.err());

        Stack.Run bad = stack.sluice("query", "--schema", SCHEMA, "SELECT \"user\", price FROM \"" + topic + "\"");
        assertEquals(ExitCodes.REFUSED, bad.exit());
        assertEquals("sluice: sql: line 1, column 16: Column 'price' not found in any table", bad.err().strip());
    }

    private static Map<String, String> text(Map<String, double[]> totals) {
        Map<String, String> out = new TreeMap<>();
        totals.forEach((u, t) -> out.put(u, t[0] + "/" + (long) t[1]));
        return out;
    }
}
