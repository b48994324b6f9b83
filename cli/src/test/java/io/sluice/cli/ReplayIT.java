package io.sluice.cli;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
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
 * A replay through the CLI, on a real broker, scheduler and runtimes: a per-batch SQL GROUP BY runs
 * live, then again over the batches it ran (all of them, and a middle part), into other topics.
 * The output depends on where the batches begin and end, so equal output means the same batches;
 * and the live pipeline's committed offsets do not move.
 */
class ReplayIT {

    private static Stack stack;

    @BeforeAll
    static void start() throws InterruptedException {
        stack = new Stack("replay");
    }

    @AfterAll
    static void stop() {
        stack.close();
    }

    @Test
    void aReplayWritesWhatTheLivePipelineWroteForTheSameBatches() throws Exception {
        String name = "live-" + UUID.randomUUID().toString().substring(0, 6);
        String input = name + "-orders";
        stack.kafka.createTopic(input, 3);
        Stack.Run deploy = stack.sluice("sql", "--name", name, "--input", input, "--output", name + "-out",
                "--schema", "user VARCHAR, amount DOUBLE", "--batch", "500ms", "--partitions", "3",
                "SELECT \"user\", SUM(amount) AS total, COUNT(*) AS n FROM \"" + input + "\" GROUP BY \"user\"");
        assertEquals(0, deploy.exit(), deploy.err());
        Random random = new Random(9);
        int produced = 0;
        for (int wave = 0; wave < 5; wave++) {
            List<String> orders = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                orders.add("{\"user\":\"u" + random.nextInt(15) + "\",\"amount\":" + random.nextInt(100) / 4.0 + "}");
            }
            stack.produce(input, orders);
            produced += orders.size();
            stack.awaitRecords(name, produced); // the next wave goes in later batches
        }
        Map<Integer, Long> ends = stack.ends(input);
        Stack.await(Duration.ofSeconds(60), () -> committed(name, input).equals(ends),
                () -> "the live pipeline commits the whole input " + ends + "; at " + committed(name, input));
        Map<Integer, Long> liveOffsets = committed(name, input);
        List<String> live = rows(stack.read(name + "-out", 1));
        assertTrue(live.size() > 15, "the live output has several batches of rows: " + live.size());
        TreeMap<Long, Integer> perBatch = new TreeMap<>();
        live.forEach(r -> perBatch.merge(Long.parseLong(r.substring(0, r.indexOf(' '))), 1, Integer::sum));
        assertTrue(perBatch.size() >= 4, "several batches: " + perBatch.keySet());

        Stack.Run all = stack.sluice("replay", name, "--output", name + "-again");
        assertEquals(0, all.exit(), all.err());
        assertTrue(all.out().contains("Replay " + name + "-replay-1 of " + name + ": "), all.out());
        assertTrue(all.out().contains("done: its output is in " + name + "-again"), all.out());
        assertEquals(live, rows(stack.read(name + "-again", live.size())), "replaying every batch writes the live output");

        long from = perBatch.higherKey(perBatch.firstKey());
        long to = perBatch.lowerKey(perBatch.lastKey());
        Stack.Run middle = stack.sluice("replay", name, "--from", Instant.ofEpochMilli(from).toString(),
                "--to", Long.toString(to), "--output", name + "-middle", "--name", name + "-middle");
        assertEquals(0, middle.exit(), middle.err());
        List<String> expected = live.stream().filter(r -> {
            long t = Long.parseLong(r.substring(0, r.indexOf(' ')));
            return t >= from && t <= to;
        }).toList();
        assertEquals(expected, rows(stack.read(name + "-middle", expected.size())),
                "a replay of the middle batches writes their live output");

        assertEquals(liveOffsets, committed(name, input), "the live pipeline's committed offsets did not move");
        Stack.Run unknown = stack.sluice("replay", "ghost", "--output", "x");
        assertEquals(ExitCodes.REFUSED, unknown.exit());
        assertEquals("sluice: no pipeline named 'ghost'", unknown.err().strip());
        assertEquals(produced, (int) ends.values().stream().mapToLong(Long::longValue).sum());
    }

    private static Map<Integer, Long> committed(String pipeline, String topic) {
        try {
            return stack.committed("sluice." + pipeline, topic);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** @return "batch-time key value" of each record, sorted */
    private static List<String> rows(List<ConsumerRecord<String, String>> records) {
        return records.stream().map(r -> r.timestamp() + " " + r.key() + " " + r.value()).sorted().toList();
    }
}
