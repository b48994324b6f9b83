package io.sluice.scheduler.it;

import io.sluice.core.cluster.SluiceNode;
import io.sluice.core.registry.Delivery;
import io.sluice.core.registry.StageSpec;
import io.sluice.core.registry.Window;
import io.sluice.core.store.BatchManifest;
import io.sluice.kafka.embedded.EmbeddedKafkaBroker;
import io.sluice.scheduler.Scheduler;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A 10 s window sliding every 2 s over 1 s batches, on a real broker and Infinispan: word count,
 * then a windowed {@code sum} into 4 partitions, once recomputed from every covered batch and once
 * incrementally (the batches that leave are subtracted). Every window's counts must equal those
 * computed from the input of the batches it covers, read again by their manifests' offset ranges.
 */
class WindowedWordCountIT {

    private static final Duration LENGTH = Duration.ofSeconds(10);
    private static final Duration SLIDE = Duration.ofSeconds(2);
    private static final int LINES = 20_000;

    private final EmbeddedKafkaBroker kafka = EngineFixture.broker();
    private final ManifestLog manifests = new ManifestLog();
    private SluiceNode node;
    private InProcessEngine engine;
    private Scheduler scheduler;

    @BeforeEach
    void start() throws InterruptedException {
        node = SluiceNode.local();
        node.addCacheListener(SluiceNode.MANIFESTS, manifests);
        engine = InProcessEngine.startOn(node, Clock.systemUTC(), kafka.bootstrapServers(), c -> c, 2, "window-1",
                "window-2");
        scheduler = engine.scheduler;
    }

    @AfterEach
    void stop() {
        engine.close();
        node.close();
    }

    @Test
    void everyWindowCountsTheBatchesItCovers() throws Exception {
        String input = EngineFixture.unique("lines");
        kafka.createTopic(input, 8);
        scheduler.registerFunction("wordcount", EngineFixture.WORD_COUNT, EngineFixture.wordCountJar());
        String full = EngineFixture.unique("window");
        String incremental = EngineFixture.unique("window-inc");
        String top = EngineFixture.unique("window-top");
        scheduler.createPipeline(top, "wordcount", List.of(input), top + "-out", Duration.ofSeconds(1), 8,
                Map.of("k", "3"), Delivery.EXACTLY_ONCE, true, List.of(StageSpec.reduce("sum", 4),
                        StageSpec.function("io.sluice.examples.TopK", 1).windowed(new Window(LENGTH, SLIDE, false))));
        for (String pipeline : List.of(full, incremental)) {
            StageSpec sum = StageSpec.reduce("sum", 4).windowed(new Window(LENGTH, SLIDE, pipeline.equals(incremental)));
            scheduler.createPipeline(pipeline, "wordcount", List.of(input), pipeline + "-out", Duration.ofSeconds(1), 8,
                    Map.of(), Delivery.EXACTLY_ONCE, true, List.of(sum));
        }

        WordCorpus corpus = new WordCorpus(11);
        Waves.produce(6, Duration.ofMillis(900), () -> corpus.produce(kafka.bootstrapServers(), input, LINES / 6));
        KafkaChecks checks = new KafkaChecks(kafka.bootstrapServers());
        for (String pipeline : List.of(full, incremental, top)) {
            Await.until(Duration.ofSeconds(120), () -> checks.committedToEnd("sluice." + pipeline, input),
                    () -> "offsets of sluice." + pipeline + " reach the end of " + input);
        }

        for (String pipeline : List.of(full, incremental)) {
            Map<Long, Map<String, Long>> expected = new TreeMap<>();
            long lastWindow = expectedWindows(pipeline, checks, expected);

            Map<Long, Map<String, Long>> emitted = windows(pipeline);
            assertTrue(expected.size() >= 7, "the input reaches several windows, saw " + expected.keySet());
            emitted.keySet().removeIf(w -> w > lastWindow); // later windows hold no input; none are emitted anyway
            assertEquals(expected.keySet(), emitted.keySet(), pipeline + ": one output per window end with input");
            for (long w : expected.keySet()) {
                assertEquals(expected.get(w), emitted.get(w), pipeline + ": the window ending at " + w);
            }
            long total = expected.values().stream().flatMap(m -> m.values().stream()).mapToLong(Long::longValue).sum();
            assertEquals(corpus.totalWords() * (LENGTH.toMillis() / SLIDE.toMillis()), total,
                    pipeline + ": each word is counted in length / slide windows");
        }
        assertTopThree(top, checks);
    }

    /**
     * Puts each window end's word counts into {@code expected}, summed from the input of the batches
     * it covers, after waiting for the pipeline to emit the last window with input.
     *
     * @return the last window end with input
     */
    private long expectedWindows(String pipeline, KafkaChecks checks, Map<Long, Map<String, Long>> expected) {
        Map<Long, Map<String, Long>> perBatch = countsPerBatch(pipeline, checks);
        long lastInput = perBatch.entrySet().stream().filter(e -> !e.getValue().isEmpty()).mapToLong(Map.Entry::getKey)
                .max().orElseThrow();
        long lastWindow = Math.floorDiv(lastInput + LENGTH.toMillis() - 1, SLIDE.toMillis()) * SLIDE.toMillis();
        Await.until(Duration.ofSeconds(60), () -> windows(pipeline).containsKey(lastWindow),
                () -> pipeline + " emits the last window with input, ending at " + lastWindow + "; has "
                        + windows(pipeline).keySet());
        long firstBatch = perBatch.keySet().iterator().next();
        for (long w = Math.floorDiv(firstBatch + SLIDE.toMillis() - 1, SLIDE.toMillis()) * SLIDE.toMillis();
             w <= lastWindow; w += SLIDE.toMillis()) {
            Map<String, Long> counts = new HashMap<>();
            for (Map.Entry<Long, Map<String, Long>> batch : perBatch.entrySet()) {
                if (batch.getKey() > w - LENGTH.toMillis() && batch.getKey() <= w) {
                    batch.getValue().forEach((word, n) -> counts.merge(word, n, Long::sum));
                }
            }
            if (!counts.isEmpty()) {
                expected.put(w, counts);
            }
        }
        return lastWindow;
    }

    /** The windowed TopK stage after a per-batch sum: each window's three most frequent words, ties by word. */
    private void assertTopThree(String pipeline, KafkaChecks checks) {
        Map<Long, Map<String, Long>> windowCounts = new TreeMap<>();
        long lastWindow = expectedWindows(pipeline, checks, windowCounts);
        Map<Long, Map<String, Long>> emitted = windows(pipeline);
        emitted.keySet().removeIf(w -> w > lastWindow);
        Map<Long, Map<String, Long>> expected = new TreeMap<>();
        windowCounts.forEach((w, counts) -> {
            Map<String, Long> top3 = new HashMap<>();
            counts.entrySet().stream()
                    .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                    .limit(3).forEach(e -> top3.put(e.getKey(), e.getValue()));
            expected.put(w, top3);
        });
        assertEquals(expected, emitted, pipeline + ": the top three words of every window");
    }

    /** Each batch's word counts, recomputed from the input its manifest's offset ranges name; empty batches too. */
    private Map<Long, Map<String, Long>> countsPerBatch(String pipeline, KafkaChecks checks) {
        Map<Long, Map<String, Long>> counts = new TreeMap<>();
        for (BatchManifest m : manifests.batches(pipeline).values()) {
            List<String> lines = checks.read(m.ranges()).stream().map(ConsumerRecord::value).toList();
            assertEquals(m.records(), lines.size(), "batch " + m.batchTime() + " read again whole");
            counts.put(m.batchTime(), WordCorpus.count(lines));
        }
        return counts;
    }

    /** The output by window end (its records' timestamp), failing if a word appears twice in one window. */
    private Map<Long, Map<String, Long>> windows(String pipeline) {
        Map<Long, Map<String, Long>> windows = new TreeMap<>();
        for (ConsumerRecord<String, String> r : new KafkaChecks(kafka.bootstrapServers()).readAll(pipeline + "-out")) {
            if (windows.computeIfAbsent(r.timestamp(), t -> new HashMap<>()).put(r.key(), Long.parseLong(r.value())) != null) {
                fail("word '" + r.key() + "' appears twice in the window ending at " + r.timestamp() + " of " + pipeline);
            }
        }
        return windows;
    }
}
