package io.sluice.sql;

import io.sluice.core.sql.InputSchema;
import io.sluice.core.sql.MalformedRowException;
import io.sluice.core.sql.SqlPlan;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SqlCompilerTest {

    private static final InputSchema ORDERS = InputSchema.parse("user VARCHAR, amount DOUBLE, qty BIGINT",
            InputSchema.Format.JSON);
    private static final Duration SECOND = Duration.ofSeconds(1);

    private static CompiledQuery compile(String sql) throws SqlCompileException {
        CompiledQuery q = SqlCompiler.compile(sql, "orders", ORDERS, SECOND);
        // what runtimes run is the plan as it travels
        return new CompiledQuery(SqlPlan.decode(q.plan().encode()), q.table(), q.window());
    }

    /** Runs a plan the way the two stages do, over rows split across two map tasks, into key -> JSON value. */
    private static Map<String, String> run(SqlPlan plan, List<String> values, long windowEnd) {
        Map<String, String> out = new TreeMap<>();
        if (!plan.grouped()) {
            int i = 0;
            for (String v : values) {
                Object[] row = plan.map(plan.input().row(bytes(v), windowEnd));
                if (row != null) {
                    out.put(Integer.toString(i++), new String(plan.outputValue(row), StandardCharsets.UTF_8));
                }
            }
            return out;
        }
        List<Map<ByteBuffer, Object[]>> tasks = List.of(new LinkedHashMap<>(), new LinkedHashMap<>());
        for (int i = 0; i < values.size(); i++) {
            Object[] row = plan.map(plan.input().row(bytes(values.get(i)), windowEnd));
            if (row != null) {
                Object[] partials = tasks.get(i % 2).computeIfAbsent(ByteBuffer.wrap(plan.grouping().key(row)),
                        k -> plan.grouping().start());
                plan.grouping().add(partials, row);
            }
        }
        Map<ByteBuffer, Object[]> merged = new LinkedHashMap<>();
        for (Map<ByteBuffer, Object[]> task : tasks) {
            task.forEach((k, p) -> {
                Object[] shuffled = plan.grouping().readPartials(plan.grouping().writePartials(p));
                Object[] into = merged.computeIfAbsent(k, x -> plan.grouping().start());
                plan.grouping().merge(into, shuffled);
            });
        }
        merged.forEach((k, p) -> {
            Object[] row = plan.finish(k.array(), p, windowEnd);
            if (row != null) {
                byte[] key = plan.outputKey(k.array());
                out.put(key == null ? "null" : new String(key, StandardCharsets.UTF_8),
                        new String(plan.outputValue(row), StandardCharsets.UTF_8));
            }
        });
        return out;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static final List<String> INPUT = List.of(
            "{\"user\":\"ann\",\"amount\":10.5,\"qty\":1}",
            "{\"user\":\"bob\",\"amount\":2,\"qty\":3}",
            "{\"user\":\"ann\",\"amount\":4.5,\"qty\":2}",
            "{\"user\":\"cy\",\"amount\":null,\"qty\":5}",
            "{\"user\":\"ann\",\"amount\":1,\"qty\":2,\"extra\":{\"ignored\":[1,2]}}");

    @Test
    void groupsWithEveryAggregateAcrossTwoMapTasks() throws Exception {
        CompiledQuery q = compile("SELECT \"user\", SUM(amount) AS total, COUNT(*) AS n, AVG(qty) AS a, MIN(amount) AS lo,"
                + " MAX(qty) AS hi, COUNT(DISTINCT qty) AS dq, COUNT(amount) AS na FROM orders GROUP BY \"user\"");
        assertTrue(q.grouped());
        assertNull(q.window());
        Map<String, String> out = run(q.plan(), INPUT, 1000);
        assertEquals(Map.of(
                "ann", "{\"user\":\"ann\",\"total\":16.0,\"n\":3,\"a\":1,\"lo\":1.0,\"hi\":2,\"dq\":2,\"na\":3}",
                "bob", "{\"user\":\"bob\",\"total\":2.0,\"n\":1,\"a\":3,\"lo\":2.0,\"hi\":3,\"dq\":1,\"na\":1}",
                "cy", "{\"user\":\"cy\",\"total\":null,\"n\":1,\"a\":5,\"lo\":null,\"hi\":5,\"dq\":1,\"na\":0}"), out);
    }

    @Test
    void whereAndHavingAndExpressions() throws Exception {
        CompiledQuery q = compile("SELECT UPPER(\"user\") AS u, SUM(amount * 2) AS twice FROM orders"
                + " WHERE amount > 1.5 AND \"user\" LIKE '%n%' GROUP BY \"user\" HAVING COUNT(*) >= 2");
        assertEquals(Map.of("ann", "{\"u\":\"ANN\",\"twice\":30.0}"), run(q.plan(), INPUT, 1000));
    }

    @Test
    void anUngroupedQueryIsOneStage() throws Exception {
        CompiledQuery q = compile("SELECT \"user\" || '!' AS who, qty + 1 AS q, CASE WHEN qty > 2 THEN 'big' ELSE 'small' END AS size"
                + " FROM orders WHERE qty IN (1, 3) OR amount IS NULL");
        assertTrue(!q.grouped());
        assertEquals(List.of("{\"who\":\"ann!\",\"q\":2,\"size\":\"small\"}", "{\"who\":\"bob!\",\"q\":4,\"size\":\"big\"}",
                "{\"who\":\"cy!\",\"q\":6,\"size\":\"big\"}"), new ArrayList<>(run(q.plan(), INPUT, 1000).values()));
    }

    @Test
    void tumbleAndHopWindowsAreTheEnginesWindows() throws Exception {
        CompiledQuery tumble = compile("SELECT \"user\", TUMBLE_START(rowtime, INTERVAL '2' SECOND) AS s,"
                + " TUMBLE_END(rowtime, INTERVAL '2' SECOND) AS e, COUNT(*) AS n FROM orders"
                + " GROUP BY TUMBLE(rowtime, INTERVAL '2' SECOND), \"user\"");
        assertEquals(Duration.ofSeconds(2), tumble.window().length());
        assertEquals(Duration.ofSeconds(2), tumble.window().slide());
        assertEquals("{\"user\":\"bob\",\"s\":\"1970-01-01T00:00:02Z\",\"e\":\"1970-01-01T00:00:04Z\",\"n\":1}",
                run(tumble.plan(), INPUT, 4000).get("bob"));

        CompiledQuery hop = compile("SELECT \"user\", HOP_END(rowtime, INTERVAL '1' SECOND, INTERVAL '3' SECOND) AS e,"
                + " SUM(qty) AS q FROM orders GROUP BY HOP(rowtime, INTERVAL '1' SECOND, INTERVAL '3' SECOND), \"user\"");
        assertEquals(Duration.ofSeconds(3), hop.window().length());
        assertEquals(Duration.ofSeconds(1), hop.window().slide());
        assertEquals("{\"user\":\"ann\",\"e\":\"1970-01-01T00:00:05Z\",\"q\":5}", run(hop.plan(), INPUT, 5000).get("ann"));
    }

    private static final InputSchema USERS = InputSchema.parse("country VARCHAR, tier BIGINT", InputSchema.Format.JSON);

    @Test
    void aJoinLooksEachRowUpInTheTable() throws Exception {
        CompiledQuery q = SqlCompiler.compile("SELECT o.\"user\", u.country, o.qty * u.tier AS points FROM orders o"
                + " LEFT JOIN users u ON o.\"user\" = u.key WHERE o.qty > 1", "orders", ORDERS, SECOND, Map.of("users", USERS));
        SqlPlan plan = SqlPlan.decode(q.plan().encode());
        assertEquals(List.of("users"), plan.joins().stream().map(SqlPlan.Join::table).toList());
        Map<String, Object[]> users = Map.of("ann", new Object[] {"ann", "NZ", 10L}, "bob", new Object[] {"bob", "FR", 2L});
        SqlPlan.TableLookup lookup = (join, key) -> users.get(key);
        List<String> out = new ArrayList<>();
        for (String v : INPUT) {
            Object[] row = plan.map(plan.input().row(bytes(v), 0), lookup);
            if (row != null) {
                out.add(new String(plan.outputValue(row), StandardCharsets.UTF_8));
            }
        }
        assertEquals(List.of("{\"user\":\"bob\",\"country\":\"FR\",\"points\":6}",
                "{\"user\":\"ann\",\"country\":\"NZ\",\"points\":20}",
                "{\"user\":\"cy\",\"country\":null,\"points\":null}",
                "{\"user\":\"ann\",\"country\":\"NZ\",\"points\":20}"), out);

        CompiledQuery inner = SqlCompiler.compile("SELECT u.country, COUNT(*) AS n FROM orders o JOIN users u ON o.\"user\" = u.key"
                + " GROUP BY u.country", "orders", ORDERS, SECOND, Map.of("users", USERS));
        assertTrue(inner.grouped());
        long kept = INPUT.stream().filter(v -> inner.plan().map(inner.plan().input().row(bytes(v), 0), lookup) != null).count();
        assertEquals(4, kept, "an inner join drops the order of cy, who is not in the table");
    }

    @Test
    void wordCountSplitsLinesWithUnnest() throws Exception {
        InputSchema lines = InputSchema.parse("line VARCHAR", InputSchema.Format.CSV);
        CompiledQuery q = SqlCompiler.compile("SELECT word, COUNT(*) AS n FROM lines CROSS JOIN UNNEST(SPLIT(line, ' ')) AS w(word)"
                + " WHERE word <> '' GROUP BY word", "lines", lines, SECOND);
        SqlPlan plan = SqlPlan.decode(q.plan().encode());
        Map<ByteBuffer, Object[]> groups = new LinkedHashMap<>();
        for (String line : List.of("a b  a", "c a", "")) {
            plan.map(plan.input().row(bytes(line), 0), SqlPlan.TableLookup.NONE, row -> plan.grouping().add(
                    groups.computeIfAbsent(ByteBuffer.wrap(plan.grouping().key(row)), k -> plan.grouping().start()), row));
        }
        Map<String, String> out = new TreeMap<>();
        groups.forEach((k, p) -> out.put(new String(plan.outputKey(k.array()), StandardCharsets.UTF_8),
                new String(plan.outputValue(plan.finish(k.array(), p, 0)), StandardCharsets.UTF_8)));
        assertEquals(Map.of("a", "{\"word\":\"a\",\"n\":3}", "b", "{\"word\":\"b\",\"n\":1}",
                "c", "{\"word\":\"c\",\"n\":1}"), out);
        assertError("is not supported",
                "SELECT x FROM orders CROSS JOIN UNNEST(ARRAY[1, 2]) AS t(x)");
    }

    @Test
    void csvRowsAndMalformedRecords() {
        InputSchema csv = InputSchema.parse("name VARCHAR, n BIGINT, ok BOOLEAN", InputSchema.Format.CSV);
        Object[] row = csv.row(bytes("\"a, b\",7,true"), 5);
        assertEquals(List.of("a, b", 7L, true, 5L), List.of(row));
        assertEquals("field 'n' must be a BIGINT, was 'x'",
                assertThrows(MalformedRowException.class, () -> csv.row(bytes("a,x,true"), 0)).getMessage());
        assertEquals("the line has 2 field(s); the schema has 3",
                assertThrows(MalformedRowException.class, () -> csv.row(bytes("a,1"), 0)).getMessage());
        assertEquals("field 'amount' must be a DOUBLE, was 'lots'",
                assertThrows(MalformedRowException.class, () -> ORDERS.row(bytes("{\"amount\":\"lots\"}"), 0)).getMessage());
        assertTrue(assertThrows(MalformedRowException.class, () -> ORDERS.row(bytes("{\"user\":"), 0)).getMessage()
                .startsWith("the value is not valid JSON"));
        assertEquals("the value is not a JSON object",
                assertThrows(MalformedRowException.class, () -> ORDERS.row(bytes("[1]"), 0)).getMessage());
    }

    @Test
    void badQueriesSayWhatAndWhere() {
        assertError("line 1, column 8: syntax error: Incorrect syntax near the keyword 'FROM'", "SELECT FROM orders");
        assertError("line 1, column 8: Column 'price' not found in any table", "SELECT price FROM orders");
        assertError("line 1, column 17: Object 'payments' not found", "SELECT qty FROM payments");
        assertError("line 1, column 30: Cannot apply '+' to arguments of type '<VARCHAR> + <BOOLEAN>'",
                "SELECT qty FROM orders WHERE \"user\" + TRUE > 1");
        assertError("line 1, column 24: ORDER BY is not supported", "SELECT qty FROM orders ORDER BY qty");
        assertError("joining 'orders', which is not a table", "SELECT o.qty FROM orders o JOIN orders p ON o.qty = p.qty");
        assertError("a JOIN condition other than stream_column = users.key",
                "SELECT o.qty FROM orders o JOIN users u ON o.qty = u.tier", Map.of("users", USERS));
        assertError("FULL JOIN is not supported", "SELECT o.qty FROM orders o FULL JOIN users u ON o.\"user\" = u.key",
                Map.of("users", USERS));
        assertError("line 1, column 8: OVER windows are not supported",
                "SELECT SUM(qty) OVER (ORDER BY rowtime) FROM orders");
        assertError("must be a multiple of the batch interval of 1000 ms",
                "SELECT COUNT(*) FROM orders GROUP BY TUMBLE(rowtime, INTERVAL '1.5' SECOND)");
        assertError("the query is empty", " ");
    }

    private static void assertError(String expected, String sql) {
        assertError(expected, sql, Map.of());
    }

    private static void assertError(String expected, String sql, Map<String, InputSchema> tables) {
        SqlCompileException e = assertThrows(SqlCompileException.class,
                () -> SqlCompiler.compile(sql, "orders", ORDERS, SECOND, tables), sql);
        assertNotNull(e.getMessage());
        assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), "one line: " + e.getMessage());
    }
}
