package io.sluice.runtime.internal;

import io.sluice.core.block.Block;
import io.sluice.core.task.TaskId;
import io.sluice.function.Record;
import io.sluice.function.StateFunction;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.AbstractMap.SimpleImmutableEntry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The window and state steps, batch after batch, against counts computed the slow way. */
class StatefulStepsTest {

    private static final long INTERVAL = 1_000;

    /** A partition's grouped input of one batch: {@code words}, each with the value {@code 1}. */
    private static Block input(long batchTime, List<String> words) {
        List<Map.Entry<byte[], byte[]>> records = new ArrayList<>();
        words.forEach(w -> records.add(new SimpleImmutableEntry<>(bytes(w), bytes("1"))));
        return Shuffle.read(List.of(Shuffle.write(records, 1, batchTime)), 0, batchTime);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    private static StepOutput out(long sequence, long batchTime) {
        return new StepOutput(new TaskId("p", batchTime, 1, 0), sequence, "out", "dlq");
    }

    @Test
    void windowedSumsEqualTheSumOverTheBatchesEachWindowCovers() {
        for (boolean incremental : new boolean[] {false, true}) {
            WindowStep.Shape shape = new WindowStep.Shape(6_000, 2_000, INTERVAL, incremental);
            Random random = new Random(42);
            PartitionState state = new PartitionState();
            Map<Long, Map<String, Long>> perBatch = new TreeMap<>();
            Map<Long, Map<String, Long>> emitted = new TreeMap<>();
            long t = 100_000;
            for (long seq = 0; seq < 60; seq++) {
                // now and then the scheduler is down for a few intervals: no batch, windows end late
                t += random.nextInt(10) == 0 ? INTERVAL * (2 + random.nextInt(5)) : INTERVAL;
                List<String> words = new ArrayList<>();
                int n = seq > 45 ? 0 : random.nextInt(30);
                for (int i = 0; i < n; i++) {
                    words.add("w" + random.nextInt(8));
                }
                Map<String, Long> counts = new HashMap<>();
                words.forEach(w -> counts.merge(w, 1L, Long::sum));
                perBatch.put(t, counts);
                StepOutput out = out(seq, t);
                WindowStep.reduce(Reduction.builtIn("sum"), shape, state, input(t, words), out);
                assertTrue(out.deadLetters.isEmpty());
                for (ProducerRecord<byte[], byte[]> r : out.output) {
                    Long before = emitted.computeIfAbsent(r.timestamp(), w -> new HashMap<>())
                            .put(text(r.key()), Long.parseLong(text(r.value())));
                    assertEquals(null, before, "a key twice in window " + r.timestamp());
                }
                state.apply(out.changes);
            }
            Map<Long, Map<String, Long>> expected = new TreeMap<>();
            for (long w = 100_000; w <= t; w += 2_000) {
                Map<String, Long> counts = new HashMap<>();
                for (Map.Entry<Long, Map<String, Long>> b : perBatch.entrySet()) {
                    if (b.getKey() > w - 6_000 && b.getKey() <= w) {
                        b.getValue().forEach((k, v) -> counts.merge(k, v, Long::sum));
                    }
                }
                if (!counts.isEmpty()) {
                    expected.put(w, counts);
                }
            }
            assertEquals(expected, emitted, "incremental " + incremental);
            assertEquals(0, state.size(), "every key leaves the state once its last window has passed");
        }
    }

    @Test
    void aWindowedFunctionSeesEveryRecordOfTheCoveredBatchesGroupedByKey() throws Exception {
        WindowStep.Shape shape = new WindowStep.Shape(3_000, 3_000, INTERVAL, false);
        PartitionState state = new PartitionState();
        List<String> seen = new ArrayList<>();
        for (long seq = 0; seq < 6; seq++) {
            long t = 3_000 + seq * INTERVAL;
            StepOutput out = out(seq, t);
            WindowStep.apply((batch, emitter) -> {
                StringBuilder keys = new StringBuilder(batch.batchTime() + ":");
                for (Record r : batch) {
                    keys.append(r.keyAsString());
                }
                emitter.emit("window", keys.toString());
            }, shape, state, input(t, List.of("b", "a" + seq % 2)), out, 1);
            out.output.forEach(r -> seen.add(text(r.value())));
            state.apply(out.changes);
        }
        // windows end at 3000 (batch 3000), 6000 (4000, 5000, 6000): keys sorted, each batch's records kept
        assertEquals(List.of("3000:a0b", "6000:a0a1a1bbb"), seen);
    }

    @Test
    void aStateFunctionKeepsRunningCountsDeadLettersAFailingKeyAndTimesKeysOut() throws Exception {
        StateFunction count = (key, values, st, emitter) -> {
            if (text(key).equals("bad") && !st.timingOut()) {
                throw new IllegalStateException("no");
            }
            long n = (st.exists() ? Long.parseLong(st.getAsString()) : 0) + values.size();
            st.set(Long.toString(n));
            emitter.emit(key, bytes(st.timingOut() ? n + " timed out" : Long.toString(n)));
        };
        PartitionState state = new PartitionState();
        List<String> output = new ArrayList<>();
        int deadLetters = 0;
        List<List<String>> batches = List.of(List.of("a", "a", "bad"), List.of("a", "b"), List.of("b"), List.of("b"),
                List.of("b"));
        for (int seq = 0; seq < batches.size(); seq++) {
            long t = 10_000 + seq * INTERVAL;
            StepOutput out = out(seq, t);
            KeyedStateStep.run(count, state, input(t, batches.get(seq)), 2_000, out);
            out.output.forEach(r -> output.add(text(r.key()) + "=" + text(r.value())));
            deadLetters += out.deadLetters.size();
            state.apply(out.changes);
        }
        // a was last updated at 11000, so at 13000 its 2 s are up: after the keys with values, it times out
        assertEquals(List.of("a=2", "a=3", "b=1", "b=2", "b=3", "a=3 timed out", "b=4"), output);
        assertEquals(1, deadLetters, "the failing key's one record of its batch");
        assertEquals(1, state.size(), "a timed out, bad never had state");
        assertEquals(4, state.sequence());
    }
}
