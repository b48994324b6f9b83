package io.sluice.cli;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SQL as a user drives it, through the CLI and the gateway, on a real broker, scheduler and
 * runtimes: a running GROUP BY materialised into a table, read back over HTTP; and bad SQL refused
 * with its position.
 */
class SqlIT {

    private static Stack stack;

    @BeforeAll
    static void start() throws InterruptedException {
        stack = new Stack("sql");
    }

    @AfterAll
    static void stop() {
        stack.close();
    }

    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 6);
    }

    @Test
    void aRunningGroupByKeepsExactTotalsInATable() throws Exception {
        String name = unique("balances");
        String input = name + "-orders";
        stack.kafka.createTopic(input, 3);
        Stack.Run deploy = stack.sluice("sql", "--name", name, "--input", input, "--output", name + "-out",
                "--schema", "user VARCHAR, amount DOUBLE", "--batch", "500ms", "--partitions", "2", "--running",
                "--table", name, "SELECT \"user\", SUM(amount) AS total, COUNT(*) AS n FROM \"" + input + "\" GROUP BY \"user\"");
        assertEquals(0, deploy.exit(), deploy.err());
        assertTrue(deploy.out().contains("Pipeline " + name + " running SQL: " + input + " -> " + name + "-out every 500ms"
                + " in 2 partitions, 2 stages, exactly-once"), deploy.out());
        assertTrue(deploy.out().contains("Table " + name + " follows " + name + "-out"), deploy.out());

        Map<String, double[]> expected = new TreeMap<>();
        Random random = new Random(3);
        int produced = 0;
        for (int wave = 0; wave < 4; wave++) {
            List<String> orders = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                String user = "u" + random.nextInt(23);
                double amount = random.nextInt(1000) / 4.0;
                orders.add("{\"user\":\"" + user + "\",\"amount\":" + amount + "}");
                double[] t = expected.computeIfAbsent(user, u -> new double[2]);
                t[0] += amount;
                t[1]++;
            }
            stack.produce(input, orders);
            produced += orders.size();
            stack.awaitRecords(name, produced); // the next wave goes in later batches
        }
        JsonObject reference = new JsonObject();
        expected.forEach((user, t) -> reference.put(user,
                new JsonObject().put("user", user).put("total", t[0]).put("n", (long) t[1])));

        Stack.await(Duration.ofSeconds(60), () -> reference.equals(table(name)),
                () -> "table " + name + " holds the totals of all the orders: " + reference + "; has " + tableOrNull(name));
        HttpResponse<String> one = stack.get("/v1/tables/" + name + "/u7");
        assertEquals(200, one.statusCode(), one.body());
        assertEquals(reference.getJsonObject("u7"), new JsonObject(one.body()).getJsonObject("value"));
        HttpResponse<String> missing = stack.get("/v1/tables/" + name + "/nobody");
        assertEquals(404, missing.statusCode());
        assertEquals("table '" + name + "' has no key 'nobody'", new JsonObject(missing.body()).getString("error"));
        Stack.Run query = stack.sluice("query", "--output", "json",
                "SELECT key, n FROM \"" + name + "\" WHERE total > 0 AND key = 'u7'");
        assertEquals(0, query.exit(), query.err());
        assertEquals(new JsonArray().add(new JsonArray().add("u7").add(reference.getJsonObject("u7").getLong("n"))),
                new JsonObject(query.out().strip()).getJsonArray("rows"), "an ad-hoc query over the table");
        HttpResponse<String> listed = stack.get("/v1/tables");
        assertTrue(new JsonObject(listed.body()).getJsonArray("tables").stream()
                .anyMatch(t -> ((JsonObject) t).getString("name").equals(name)
                        && ((JsonObject) t).getString("pipeline").equals(name)), listed.body());
    }

    @Test
    void aStreamTableJoinCarriesTheTablesCurrentValue() throws Exception {
        String name = unique("enrich");
        String users = name + "-users";
        String input = name + "-orders";
        stack.kafka.createTopic(users, 2, Map.of("cleanup.policy", "compact"));
        stack.kafka.createTopic(input, 2);
        HttpResponse<String> load = stack.post("/v1/tables", new JsonObject().put("name", users).put("topic", users)
                .put("schema", "country VARCHAR, tier BIGINT").encode());
        assertEquals(201, load.statusCode(), load.body());
        Map<String, String> first = new TreeMap<>();
        for (int u = 0; u < 10; u++) {
            first.put("u" + u, "{\"country\":\"C" + u + "\",\"tier\":" + u + "}");
        }
        stack.produceKeyed(users, first);
        // later values for some keys: the table keeps the latest, and the join must see it
        Map<String, String> current = new TreeMap<>(first);
        for (int u = 0; u < 10; u += 3) {
            current.put("u" + u, "{\"country\":\"N" + u + "\",\"tier\":" + (10 * u) + "}");
        }
        stack.produceKeyed(users, Map.of("u0", current.get("u0"), "u3", current.get("u3"), "u6", current.get("u6"),
                "u9", current.get("u9")));
        Stack.await(Duration.ofSeconds(30), () -> tableOrNull(users).contains("\"N9\""), () -> "table " + users
                + " has the latest values: " + tableOrNull(users));

        Stack.Run deploy = stack.sluice("sql", "--name", name, "--input", input, "--output", name + "-out",
                "--schema", "user VARCHAR, amount DOUBLE", "--partitions", "2",
                "SELECT o.\"user\", o.amount, u.country, u.tier FROM \"" + input + "\" o"
                        + " LEFT JOIN \"" + users + "\" u ON o.\"user\" = u.key");
        assertEquals(0, deploy.exit(), deploy.err());
        List<String> orders = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            orders.add("{\"user\":\"u" + (i % 12) + "\",\"amount\":" + i + "}");
        }
        stack.produce(input, orders);

        var out = stack.read(name + "-out", orders.size());
        assertEquals(orders.size(), out.size(), "one output row per order");
        for (var r : out) {
            JsonObject row = new JsonObject(r.value());
            String user = row.getString("user");
            JsonObject expected = current.containsKey(user) ? new JsonObject(current.get(user))
                    : new JsonObject().putNull("country").putNull("tier");
            assertEquals(expected.getValue("country"), row.getValue("country"), "country of " + user + " in " + row);
            assertEquals(expected.getValue("tier") == null ? null : ((Number) expected.getValue("tier")).longValue(),
                    row.getValue("tier") == null ? null : ((Number) row.getValue("tier")).longValue(), "tier of " + user);
        }
    }

    /** @return the whole table, read a page of 5 rows at a time, as key -> value */
    private static JsonObject table(String name) {
        try {
            JsonObject rows = new JsonObject();
            String after = null;
            do {
                HttpResponse<String> page = stack.get("/v1/tables/" + name + "?limit=5" + (after == null ? "" : "&after=" + after));
                if (page.statusCode() != 200) {
                    return null;
                }
                JsonObject body = new JsonObject(page.body());
                JsonArray array = body.getJsonArray("rows");
                assertTrue(array.size() <= 5, "a page holds at most its limit");
                array.forEach(r -> rows.put(((JsonObject) r).getString("key"), ((JsonObject) r).getValue("value")));
                after = body.getString("next");
            } while (after != null);
            return rows;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static String tableOrNull(String name) {
        JsonObject t = table(name);
        return t == null ? "nothing" : t.encode();
    }

    @Test
    void badSqlIsRefusedWithItsPositionAndNothingIsCreated() throws Exception {
        String name = unique("bad");
        String input = name + "-in";
        stack.kafka.createTopic(input, 1);
        Stack.Run bad = stack.sluice("sql", "--name", name, "--input", input, "--output", name + "-out",
                "--schema", "user VARCHAR, amount DOUBLE", "SELECT \"user\", SUM(price) FROM \"" + input + "\" GROUP BY \"user\"");
        assertEquals(ExitCodes.REFUSED, bad.exit(), bad.out());
        assertEquals("sluice: sql: line 1, column 20: Column 'price' not found in any table", bad.err().strip());
        assertEquals(404, stack.get("/v1/pipelines/" + name).statusCode(), "nothing was stored");

        Stack.Run running = stack.sluice("sql", "--name", name, "--input", input, "--output", name + "-out",
                "--schema", "user VARCHAR", "--running", "SELECT \"user\" FROM \"" + input + "\"");
        assertEquals(ExitCodes.REFUSED, running.exit());
        assertTrue(running.err().contains("a running query needs GROUP BY"), running.err());
    }
}
