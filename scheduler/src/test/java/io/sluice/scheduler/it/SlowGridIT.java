package io.sluice.scheduler.it;

import io.sluice.core.cluster.SluiceNode;
import io.sluice.core.registry.Delivery;
import io.sluice.kafka.embedded.EmbeddedKafkaBroker;
import io.sluice.runtime.FunctionRuntime;
import io.sluice.scheduler.Scheduler;
import org.infinispan.notifications.Listener;
import org.infinispan.notifications.cachelistener.annotation.CacheEntryCreated;
import org.infinispan.notifications.cachelistener.annotation.CacheEntryModified;
import org.infinispan.notifications.cachelistener.event.CacheEntryEvent;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The scheduler thread never waits for the data grid. Here every write to the status cache takes
 * 2.5 s, longer than the 2 s runtime timeout: a scheduler thread that published status itself
 * would miss heartbeats meanwhile and declare healthy runtimes lost, over and over.
 */
class SlowGridIT {

    /** Makes each write to the cache it listens on take {@code millis}, inside the write. */
    @Listener(sync = true)
    public static final class SlowWrites {
        private final long millis;
        final AtomicInteger slowed = new AtomicInteger();

        SlowWrites(long millis) {
            this.millis = millis;
        }

        @CacheEntryCreated
        @CacheEntryModified
        public void written(CacheEntryEvent<String, byte[]> event) throws InterruptedException {
            if (!event.isPre()) {
                slowed.incrementAndGet();
                Thread.sleep(millis); // the slowness under test
            }
        }
    }

    @Test
    void slowStatusWritesStarveNoHeartbeat() throws Exception {
        EmbeddedKafkaBroker kafka = EngineFixture.broker();
        try (InProcessEngine engine = InProcessEngine.start(kafka.bootstrapServers(), c -> c, 2, "a", "b")) {
            Scheduler scheduler = engine.scheduler;
            List<String> ids = engine.runtimes.stream().map(FunctionRuntime::runtimeId).toList();
            SlowWrites slow = new SlowWrites(2_500);
            engine.node.addCacheListener(SluiceNode.STATUS, slow);

            String input = EngineFixture.unique("in");
            String output = EngineFixture.unique("out");
            String pipeline = EngineFixture.unique("slow-grid");
            kafka.createTopic(input, 4);
            scheduler.registerFunction("pass", "io.sluice.testfunctions.Passthrough", EngineFixture.testFunctionsJar());
            scheduler.createPipeline(pipeline, "pass", List.of(input), output, Duration.ofMillis(200), 4, Map.of(),
                    Delivery.EXACTLY_ONCE);
            UniqueRecords records = new UniqueRecords(kafka.bootstrapServers(), input);
            records.produceSteadily(1_000, Duration.ofSeconds(10));

            KafkaChecks checks = new KafkaChecks(kafka.bootstrapServers());
            Await.until(Duration.ofSeconds(60), () -> checks.committedToEnd("sluice." + pipeline, input),
                    "the pipeline commits to the end while the grid is slow");
            records.assertEachExactlyOnce(checks.readAll(output));
            assertTrue(slow.slowed.get() >= 3, "status writes were slowed: " + slow.slowed.get());
            assertEquals(ids, engine.runtimes.stream().map(FunctionRuntime::runtimeId).toList(),
                    "no runtime was declared lost and had to reconnect");
            assertEquals(0, engine.tasksFailed());
        }
    }
}
