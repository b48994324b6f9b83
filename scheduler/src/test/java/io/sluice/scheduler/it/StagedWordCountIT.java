package io.sluice.scheduler.it;

import io.sluice.core.cluster.SluiceNode;
import io.sluice.core.registry.Delivery;
import io.sluice.core.registry.StageSpec;
import io.sluice.core.status.PipelineProgress;
import io.sluice.core.store.BatchManifest;
import io.sluice.kafka.embedded.EmbeddedKafkaBroker;
import io.sluice.scheduler.Scheduler;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.infinispan.notifications.Listener;
import org.infinispan.notifications.cachelistener.annotation.CacheEntryCreated;
import org.infinispan.notifications.cachelistener.event.CacheEntryEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A two-stage pipeline on a real broker and Infinispan: the word-count function over 8 input
 * partitions, then a {@code sum} shuffled into 4. Every batch's output is checked against the
 * batch's own input, read again from Kafka by the offset ranges of its manifest.
 */
class StagedWordCountIT {

    private static final int LINES = 100_000;

    private final EmbeddedKafkaBroker kafka = EngineFixture.broker();
    private final ManifestLog manifests = new ManifestLog();
    private SluiceNode node;
    private InProcessEngine engine;
    private Scheduler scheduler;

    @BeforeEach
    void start() throws InterruptedException {
        node = SluiceNode.local();
        node.addCacheListener(SluiceNode.MANIFESTS, manifests);
        engine = InProcessEngine.startOn(node, Clock.systemUTC(), kafka.bootstrapServers(), c -> c, 2, "stages-1",
                "stages-2");
        scheduler = engine.scheduler;
    }

    @AfterEach
    void stop() {
        engine.close();
        node.close();
    }

    @Test
    void everyBatchCountsEachWordOnceAndExactly() throws Exception {
        String pipeline = EngineFixture.unique("staged-wc");
        WordCorpus corpus = run(pipeline);

        Map<Long, Map<String, Long>> expected = expectedPerBatch(pipeline);
        Map<Long, Map<String, Long>> counted = countedPerBatch(pipeline);
        assertTrue(expected.size() >= 3, "the input spans several batches, saw " + expected.size());
        assertEquals(expected, counted, "each batch's counts, from its manifest's offset ranges");
        long total = counted.values().stream().flatMap(m -> m.values().stream()).mapToLong(Long::longValue).sum();
        assertEquals(corpus.totalWords(), total);

        PipelineProgress progress = scheduler.progress(pipeline).orElseThrow();
        assertEquals(LINES, progress.records(), "records accounted for in committed batches");
        assertEquals(counted.values().stream().mapToLong(Map::size).sum(), progress.outputRecords(),
                "output counted once per (batch, word), not the shuffle's records");
        assertTrue(node.batchStore().manifests(pipeline).isEmpty(), "committed batches are freed");
    }

    @Test
    void aShuffleBlockDeletedMidBatchIsRecomputedByItsMapTask() throws Exception {
        String pipeline = EngineFixture.unique("lineage-wc");
        ShuffleBlockThief thief = new ShuffleBlockThief(pipeline, node, 3);
        node.addCacheListener(SluiceNode.BLOCKS, thief);
        run(pipeline);

        assertFalse(thief.stolen.isEmpty(), "the hook deleted shuffle blocks");
        assertTrue(thief.stolen.stream().anyMatch(k -> thief.writes.get(k).get() >= 2),
                "a deleted shuffle block was written again by its map task: " + thief.stolen + " " + thief.writes);
        assertEquals(expectedPerBatch(pipeline), countedPerBatch(pipeline), "output exact despite the lost blocks");
        thief.close();
    }

    private WordCorpus run(String pipeline) throws Exception {
        String input = EngineFixture.unique("lines");
        String output = EngineFixture.unique("batch-counts");
        this.output = output;
        kafka.createTopic(input, 8);
        scheduler.registerFunction("wordcount", EngineFixture.WORD_COUNT, EngineFixture.wordCountJar());
        scheduler.createPipeline(pipeline, "wordcount", List.of(input), output, Duration.ofSeconds(1), 8, Map.of(),
                Delivery.EXACTLY_ONCE, true, List.of(StageSpec.reduce("sum", 4)));

        WordCorpus corpus = new WordCorpus(7);
        Waves.produce(5, Duration.ofMillis(700), () -> corpus.produce(kafka.bootstrapServers(), input, LINES / 5));
        KafkaChecks checks = new KafkaChecks(kafka.bootstrapServers());
        Await.until(Duration.ofSeconds(120), () -> checks.committedToEnd("sluice." + pipeline, input),
                () -> "offsets of sluice." + pipeline + " reach the end of " + input + "; progress: "
                        + scheduler.progress(pipeline));
        return corpus;
    }

    private String output;

    /** Each batch's word counts, recomputed from the input records its manifest's offset ranges name. */
    private Map<Long, Map<String, Long>> expectedPerBatch(String pipeline) {
        KafkaChecks checks = new KafkaChecks(kafka.bootstrapServers());
        Map<Long, Map<String, Long>> expected = new TreeMap<>();
        for (BatchManifest m : manifests.batches(pipeline).values()) {
            List<String> lines = checks.read(m.ranges()).stream().map(ConsumerRecord::value).toList();
            assertEquals(m.records(), lines.size(), "batch " + m.batchTime() + " read again whole");
            expected.put(m.batchTime(), WordCorpus.count(lines));
        }
        return expected;
    }

    /** The output, by batch (its records' timestamp), failing if a word appears twice in one batch. */
    private Map<Long, Map<String, Long>> countedPerBatch(String pipeline) {
        Map<Long, Map<String, Long>> counted = new TreeMap<>();
        for (ConsumerRecord<String, String> r : new KafkaChecks(kafka.bootstrapServers()).readAll(output)) {
            Long previous = counted.computeIfAbsent(r.timestamp(), t -> new HashMap<>())
                    .put(r.key(), Long.parseLong(r.value()));
            if (previous != null) {
                fail("word '" + r.key() + "' appears twice in the output of batch " + r.timestamp() + " of " + pipeline);
            }
        }
        return counted;
    }

    /**
     * The test hook that loses shuffle blocks: for each of the first {@code batches} batches it
     * deletes the first shuffle block written, from another thread, while the batch's other map
     * tasks are still running. It counts how often each block is written.
     */
    @Listener(sync = true)
    public static final class ShuffleBlockThief implements AutoCloseable {
        final Map<String, AtomicInteger> writes = new ConcurrentHashMap<>();
        final Set<String> stolen = ConcurrentHashMap.newKeySet();
        private final Set<String> batchesHit = new HashSet<>();
        private final String pipeline;
        private final SluiceNode node;
        private final int batches;
        private final ExecutorService deleter = Executors.newSingleThreadExecutor();

        ShuffleBlockThief(String pipeline, SluiceNode node, int batches) {
            this.pipeline = pipeline;
            this.node = node;
            this.batches = batches;
        }

        @CacheEntryCreated
        public void created(CacheEntryEvent<String, byte[]> event) {
            String key = event.getKey();
            if (event.isPre() || !key.startsWith(pipeline + "/") || !key.contains("/s0/")) {
                return;
            }
            writes.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
            String batch = key.substring(0, key.indexOf("/s0/"));
            synchronized (batchesHit) {
                if (batchesHit.size() >= batches || !batchesHit.add(batch)) {
                    return;
                }
            }
            stolen.add(key);
            deleter.execute(() -> node.batchStore().removeBlocks(List.of(key)));
        }

        @Override
        public void close() {
            deleter.shutdownNow();
        }
    }
}
