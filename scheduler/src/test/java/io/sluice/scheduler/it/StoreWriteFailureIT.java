package io.sluice.scheduler.it;

import io.sluice.core.cluster.SluiceNode;
import io.sluice.core.registry.Delivery;
import io.sluice.kafka.embedded.EmbeddedKafkaBroker;
import io.sluice.scheduler.Scheduler;
import org.infinispan.notifications.Listener;
import org.infinispan.notifications.cachelistener.annotation.CacheEntryCreated;
import org.infinispan.notifications.cachelistener.event.CacheEntryEvent;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A write of a cut batch to the grid fails once, with batches before and after it. The batch must
 * be read again from Kafka and stored, never skipped, and no later batch may commit past it: every
 * record reaches the output exactly once, and nothing is left in the store.
 */
class StoreWriteFailureIT {

    /** Fails the {@code nth} write of a new entry into the cache it listens on, once, inside the write. */
    @Listener(sync = true)
    public static final class FailOnce {
        private final int nth;
        private final AtomicInteger writes = new AtomicInteger();
        final AtomicInteger failed = new AtomicInteger();

        FailOnce(int nth) {
            this.nth = nth;
        }

        @CacheEntryCreated
        public void created(CacheEntryEvent<String, byte[]> event) {
            if (event.isPre() && !event.getKey().contains("#") && writes.incrementAndGet() == nth) {
                failed.incrementAndGet();
                throw new IllegalStateException("injected grid failure writing " + event.getKey());
            }
        }
    }

    /** @param cache the manifest's write fails (nothing of the batch stored), or its blocks' (the manifest is) */
    @ParameterizedTest
    @ValueSource(strings = {SluiceNode.MANIFESTS, SluiceNode.BLOCKS})
    void aBatchWhoseStoreWriteFailsIsReadAgainAndNothingCommitsPastIt(String cache) throws Exception {
        EmbeddedKafkaBroker kafka = EngineFixture.broker();
        try (InProcessEngine engine = InProcessEngine.start(kafka.bootstrapServers(), c -> c, 2, "a", "b")) {
            Scheduler scheduler = engine.scheduler;
            // the third batch's manifest, or the first block of its third batch (4 blocks a batch)
            FailOnce failure = new FailOnce(cache.equals(SluiceNode.MANIFESTS) ? 3 : 9);
            engine.node.addCacheListener(cache, failure);

            String input = EngineFixture.unique("in");
            String output = EngineFixture.unique("out");
            String pipeline = EngineFixture.unique("store-fails");
            kafka.createTopic(input, 4);
            scheduler.registerFunction("pass", "io.sluice.testfunctions.Passthrough", EngineFixture.testFunctionsJar());
            scheduler.createPipeline(pipeline, "pass", List.of(input), output, Duration.ofMillis(200), 4, Map.of(),
                    Delivery.EXACTLY_ONCE);
            UniqueRecords records = new UniqueRecords(kafka.bootstrapServers(), input);
            records.produceSteadily(2_000, Duration.ofSeconds(4));

            KafkaChecks checks = new KafkaChecks(kafka.bootstrapServers());
            Await.until(Duration.ofSeconds(60), () -> checks.committedToEnd("sluice." + pipeline, input),
                    () -> "the pipeline commits to the end; " + engine.node.statusBoard().progress(pipeline));
            assertEquals(1, failure.failed.get(), "one write failed");
            records.assertEachExactlyOnce(checks.readAll(output));
            Await.until(Duration.ofSeconds(10), () -> engine.node.batchStore().manifests(pipeline).isEmpty(),
                    () -> "every batch is freed, none is left half-stored: " + engine.node.batchStore().manifests(pipeline));
        }
    }
}
