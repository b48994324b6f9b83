package io.sluice.scheduler.it;

import io.sluice.core.cluster.SluiceNode;
import io.sluice.core.registry.Delivery;
import io.sluice.core.store.BatchManifest;
import io.sluice.kafka.embedded.EmbeddedKafkaBroker;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A scheduler runs a pipeline until every batch has committed (no manifest is left in the grid),
 * then a new scheduler takes over on a host whose clock is an hour behind. Its batch times and
 * sequences must still come after the old ones: commit markers compare batch times, so a batch
 * stamped earlier than one committed under the same transactional id looks committed and is skipped.
 */
class ClockBehindRestartIT {

    private static final Logger log = LoggerFactory.getLogger(ClockBehindRestartIT.class);

    /** Collects every manifest stored, in the order stored. */
    @Test
    void batchTimesAndSequencesGoOnForwardUnderASchedulerWhoseClockIsAnHourBehind() throws Exception {
        EmbeddedKafkaBroker kafka = EngineFixture.broker();
        String input = EngineFixture.unique("in");
        String output = EngineFixture.unique("out");
        String pipeline = EngineFixture.unique("clock-behind");
        kafka.createTopic(input, 4);
        UniqueRecords records = new UniqueRecords(kafka.bootstrapServers(), input);
        KafkaChecks checks = new KafkaChecks(kafka.bootstrapServers());
        ManifestLog manifests = new ManifestLog();

        try (SluiceNode grid = SluiceNode.local()) {
            grid.addCacheListener(SluiceNode.MANIFESTS, manifests);
            try (InProcessEngine first = InProcessEngine.startOn(grid, Clock.systemUTC(), kafka.bootstrapServers(),
                    c -> c, 2, "first-a", "first-b")) {
                first.scheduler.registerFunction("pass", "io.sluice.testfunctions.Passthrough",
                        EngineFixture.testFunctionsJar());
                first.scheduler.createPipeline(pipeline, "pass", List.of(input), output, Duration.ofMillis(200), 4,
                        Map.of(), Delivery.EXACTLY_ONCE);
                produceOnceRunning(records, checks, pipeline, input);
                Await.until(Duration.ofSeconds(60), () -> checks.committedToEnd("sluice." + pipeline, input)
                                && grid.batchStore().manifests(pipeline).isEmpty(),
                        "the first scheduler commits and frees every batch");
            }
            int beforeRestart = manifests.stored.size();
            assertTrue(beforeRestart >= 3, "the first scheduler cut several batches: " + beforeRestart);

            Clock behind = Clock.offset(Clock.systemUTC(), Duration.ofHours(-1));
            try (InProcessEngine second = InProcessEngine.startOn(grid, behind, kafka.bootstrapServers(), c -> c, 2,
                    "second-a", "second-b")) {
                produceOnceRunning(records, checks, pipeline, input);
                Await.until(Duration.ofSeconds(60), () -> checks.committedToEnd("sluice." + pipeline, input),
                        () -> "the second scheduler commits to the end; " + grid.statusBoard().progress(pipeline));
                records.assertEachExactlyOnce(checks.readAll(output));
                assertTrue(manifests.stored.size() > beforeRestart + 2, "the second scheduler cut several batches");
            }
        }

        List<BatchManifest> all = List.copyOf(manifests.stored);
        log.info("Batch times and sequences: {}", all.stream().map(m -> m.batchTime() + "#" + m.sequence()).toList());
        for (int i = 1; i < all.size(); i++) {
            BatchManifest before = all.get(i - 1);
            BatchManifest m = all.get(i);
            assertTrue(m.batchTime() > before.batchTime(), "batch " + i + " at " + m.batchTime() + " is not after "
                    + before.batchTime());
            assertEquals(before.sequence() + 1, m.sequence(), "sequences go on by one across the restart");
        }
    }

    /** One record, and once it has committed (the pipeline runs), two seconds of steady input: several batches. */
    private static void produceOnceRunning(UniqueRecords records, KafkaChecks checks, String pipeline, String input)
            throws InterruptedException {
        records.produce(1);
        Await.until(Duration.ofSeconds(60), () -> checks.committedToEnd("sluice." + pipeline, input),
                "the pipeline runs and commits a first record");
        records.produceSteadily(1_000, Duration.ofSeconds(2));
    }
}
