package io.sluice.scheduler.it;

import io.sluice.core.cluster.SluiceNode;
import io.sluice.core.registry.BuiltIns;
import io.sluice.core.registry.Delivery;
import io.sluice.core.sql.InputSchema;
import io.sluice.core.store.BatchManifest;
import io.sluice.kafka.embedded.EmbeddedKafkaBroker;
import io.sluice.scheduler.Scheduler;
import io.sluice.sql.CompiledQuery;
import io.sluice.sql.SqlCompiler;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * SQL pipelines on a real broker and Infinispan, compiled as the gateway compiles them: a GROUP BY
 * per batch and a HOP window, over JSON orders with malformed records among them. Every output row
 * must equal the aggregate of the input of the batches it covers, read again from Kafka by their
 * manifests' offset ranges, and each malformed record must reach the dead-letter topic with its reason.
 */
class SqlPipelineIT {

    private static final int ORDERS = 12_000;
    private static final InputSchema SCHEMA = InputSchema.parse("user VARCHAR, amount DOUBLE, qty BIGINT",
            InputSchema.Format.JSON);
    private static final Pattern ORDER = Pattern.compile("\\{\"user\":\"(\\w+)\",\"amount\":([0-9.]+),\"qty\":(\\d+)}");
    private static final Pattern ROW = Pattern.compile(
            "\\{\"user\":\"(\\w+)\",(?:\"wend\":\"([^\"]+)\",)?\"total\":([0-9.]+),\"n\":(\\d+)}");
    private static final List<String> MALFORMED = List.of("{\"user\":\"u1\",\"amount\":", "{\"user\":\"u2\",\"amount\":\"lots\",\"qty\":1}");

    private final EmbeddedKafkaBroker kafka = EngineFixture.broker();
    private final ManifestLog manifests = new ManifestLog();
    private SluiceNode node;
    private InProcessEngine engine;
    private Scheduler scheduler;

    @BeforeEach
    void start() throws InterruptedException {
        node = SluiceNode.local();
        node.addCacheListener(SluiceNode.MANIFESTS, manifests);
        engine = InProcessEngine.startOn(node, Clock.systemUTC(), kafka.bootstrapServers(), c -> c, 2, "sql-1", "sql-2");
        scheduler = engine.scheduler;
    }

    @AfterEach
    void stop() {
        engine.close();
        node.close();
    }

    @Test
    void groupByUserPerBatchEqualsTheReferenceAndMalformedOrdersAreDeadLettered() throws Exception {
        String input = EngineFixture.unique("orders");
        String pipeline = EngineFixture.unique("sql-totals");
        kafka.createTopic(input, 4);
        create(pipeline, input, "SELECT \"user\", SUM(amount) AS total, COUNT(*) AS n FROM \"" + input + "\""
                + " WHERE qty > 0 GROUP BY \"user\"");
        produce(pipeline, input, true);
        KafkaChecks checks = awaitDrained(pipeline, input);

        Map<Long, Map<String, Totals>> expected = new TreeMap<>();
        perBatch(pipeline, checks).forEach((batch, orders) -> {
            Map<String, Totals> totals = new TreeMap<>();
            orders.forEach(o -> totals.computeIfAbsent(o.user, u -> new Totals()).add(o));
            if (!totals.isEmpty()) {
                expected.put(batch, totals);
            }
        });
        Map<Long, Map<String, Totals>> emitted = output(pipeline + "-out", checks, false);
        assertTrue(expected.size() >= 3, "the input spans several batches, saw " + expected.keySet());
        assertEquals(expected, emitted, "each batch's totals per user, from its manifest's offset ranges");
        assertEquals(ORDERS, emitted.values().stream().flatMap(m -> m.values().stream()).mapToLong(t -> t.n).sum(),
                "every well-formed order counted once");

        List<ConsumerRecord<String, String>> dead = checks.readAll("sluice.dlq." + pipeline);
        assertEquals(MALFORMED.size(), dead.size(), "the malformed orders, and only they, are dead-lettered");
        Map<String, String> reasons = new HashMap<>();
        dead.forEach(r -> reasons.put(r.value(), header(r, "sluice.error")));
        assertTrue(reasons.get(MALFORMED.get(0)).contains("the value is not valid JSON"), reasons.toString());
        assertTrue(reasons.get(MALFORMED.get(1)).contains("field 'amount' must be a DOUBLE, was 'lots'"), reasons.toString());
    }

    @Test
    void everyHopWindowEqualsTheReference() throws Exception {
        String input = EngineFixture.unique("orders");
        String pipeline = EngineFixture.unique("sql-hop");
        kafka.createTopic(input, 4);
        create(pipeline, input, "SELECT \"user\", HOP_END(rowtime, INTERVAL '1' SECOND, INTERVAL '3' SECOND) AS wend,"
                + " SUM(amount) AS total, COUNT(*) AS n FROM \"" + input + "\""
                + " GROUP BY HOP(rowtime, INTERVAL '1' SECOND, INTERVAL '3' SECOND), \"user\" HAVING COUNT(*) > 1");
        produce(pipeline, input, false);
        KafkaChecks checks = awaitDrained(pipeline, input);

        Map<Long, List<Order>> batches = perBatch(pipeline, checks);
        long lastInput = batches.entrySet().stream().filter(e -> !e.getValue().isEmpty()).mapToLong(Map.Entry::getKey)
                .max().orElseThrow();
        long lastWindow = lastInput + 2000;
        Await.until(Duration.ofSeconds(60), () -> output(pipeline + "-out", checks, true).containsKey(lastWindow),
                () -> pipeline + " emits the last window with input, ending at " + lastWindow);
        Map<Long, Map<String, Totals>> expected = new TreeMap<>();
        for (long w = batches.keySet().iterator().next(); w <= lastWindow; w += 1000) {
            Map<String, Totals> totals = new TreeMap<>();
            for (Map.Entry<Long, List<Order>> batch : batches.entrySet()) {
                if (batch.getKey() > w - 3000 && batch.getKey() <= w) {
                    batch.getValue().forEach(o -> totals.computeIfAbsent(o.user, u -> new Totals()).add(o));
                }
            }
            totals.values().removeIf(t -> t.n <= 1); // HAVING COUNT(*) > 1
            if (!totals.isEmpty()) {
                expected.put(w, totals);
            }
        }
        Map<Long, Map<String, Totals>> emitted = output(pipeline + "-out", checks, true);
        assertTrue(expected.size() >= 5, "the input reaches several windows, saw " + expected.keySet());
        assertEquals(expected, emitted, "every window's totals per user, from the batches it covers");
    }

    private void create(String pipeline, String input, String sql) throws Exception {
        CompiledQuery query = SqlCompiler.compile(sql, input, SCHEMA, Duration.ofSeconds(1));
        scheduler.createPipeline(pipeline, BuiltIns.SQL, List.of(input), pipeline + "-out", Duration.ofSeconds(1), 4,
                query.parameters(Map.of()), Delivery.EXACTLY_ONCE, true, query.stages(3));
    }

    /**
     * Orders from 40 users, amounts in quarters so every sum is exact in a double, in five waves,
     * each produced once the pipeline has completed the batches of the waves before.
     */
    private void produce(String pipeline, String topic, boolean withMalformed) {
        Properties props = new Properties();
        props.put("bootstrap.servers", kafka.bootstrapServers());
        Random random = new Random(5);
        long produced = 0;
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
            for (int wave = 0; wave < 5; wave++) {
                for (int i = 0; i < ORDERS / 5; i++) {
                    String value = "{\"user\":\"u" + random.nextInt(40) + "\",\"amount\":" + random.nextInt(400) / 4.0
                            + ",\"qty\":" + (1 + random.nextInt(9)) + "}";
                    producer.send(new ProducerRecord<>(topic, value));
                    produced++;
                    if (withMalformed && wave == 2 && i < MALFORMED.size()) {
                        producer.send(new ProducerRecord<>(topic, MALFORMED.get(i)));
                        produced++;
                    }
                }
                producer.flush();
                long sent = produced;
                Await.until(Duration.ofSeconds(60), () -> scheduler.progress(pipeline).map(p -> p.records() >= sent).orElse(false),
                        () -> pipeline + " completes the batches of " + sent + " records: " + scheduler.progress(pipeline));
            }
        }
    }

    private KafkaChecks awaitDrained(String pipeline, String input) {
        KafkaChecks checks = new KafkaChecks(kafka.bootstrapServers());
        Await.until(Duration.ofSeconds(120), () -> checks.committedToEnd("sluice." + pipeline, input),
                () -> "offsets of sluice." + pipeline + " reach the end of " + input + "; progress: "
                        + scheduler.progress(pipeline));
        return checks;
    }

    /** Each batch's well-formed orders, read again by its manifest's offset ranges; empty batches too. */
    private Map<Long, List<Order>> perBatch(String pipeline, KafkaChecks checks) {
        Map<Long, List<Order>> batches = new TreeMap<>();
        for (BatchManifest m : manifests.batches(pipeline).values()) {
            List<Order> orders = new ArrayList<>();
            for (ConsumerRecord<String, String> r : checks.read(m.ranges())) {
                Matcher o = ORDER.matcher(r.value());
                if (o.matches()) {
                    orders.add(new Order(o.group(1), Double.parseDouble(o.group(2))));
                } else if (!MALFORMED.contains(r.value())) {
                    fail("unexpected input " + r.value());
                }
            }
            batches.put(m.batchTime(), orders);
        }
        return batches;
    }

    /** The output rows by batch or window end (the records' timestamp), failing if a user appears twice in one. */
    private static Map<Long, Map<String, Totals>> output(String topic, KafkaChecks checks, boolean windowed) {
        Map<Long, Map<String, Totals>> out = new TreeMap<>();
        for (ConsumerRecord<String, String> r : checks.readAll(topic)) {
            Matcher m = ROW.matcher(r.value());
            if (!m.matches()) {
                fail("output row " + r.value() + " is not {user, [wend,] total, n}");
            }
            assertEquals(m.group(1), r.key(), "keyed by the group key");
            if (windowed) {
                assertEquals(r.timestamp(), Instant.parse(m.group(2)).toEpochMilli(), "HOP_END is the window's end");
            }
            Totals t = new Totals();
            t.total = Double.parseDouble(m.group(3));
            t.n = Long.parseLong(m.group(4));
            if (out.computeIfAbsent(r.timestamp(), x -> new TreeMap<>()).put(r.key(), t) != null) {
                fail("user " + r.key() + " appears twice in the output at " + r.timestamp());
            }
        }
        return out;
    }

    private static String header(ConsumerRecord<String, String> r, String key) {
        return new String(r.headers().lastHeader(key).value(), StandardCharsets.UTF_8);
    }

    private record Order(String user, double amount) {
    }

    private static final class Totals {
        double total;
        long n;

        void add(Order o) {
            total += o.amount;
            n++;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Totals t && t.total == total && t.n == n;
        }

        @Override
        public int hashCode() {
            return Double.hashCode(total) * 31 + Long.hashCode(n);
        }

        @Override
        public String toString() {
            return total + "/" + n;
        }
    }
}
