package io.sluice.scheduler.it;

import io.sluice.core.registry.Delivery;
import io.sluice.core.status.PipelineProgress;
import io.sluice.core.store.BatchManifest;
import io.sluice.core.store.BatchStore;
import io.sluice.core.store.OffsetRange;
import io.sluice.kafka.embedded.EmbeddedKafkaBroker;
import io.sluice.scheduler.Scheduler;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A batch's blocks vanish from the grid while it waits to run (lost with the members that held
 * them). Its tasks find them missing, and the batch is recomputed from its manifest's offset
 * ranges (lineage) instead of being retried forever. If its input is gone from Kafka too, the
 * pipeline says so and moves on.
 */
class LostBlockIT {

    @Test
    void aBatchWhoseBlocksVanishedIsReadAgainFromItsOffsetRanges() throws Exception {
        EmbeddedKafkaBroker kafka = EngineFixture.broker();
        try (InProcessEngine engine = InProcessEngine.start(kafka.bootstrapServers(), c -> c, 1, "only")) {
            Run run = new Run(kafka, engine);
            BatchManifest victim = run.dropBlocksOfAWaitingBatch();
            run.awaitEnd();
            run.records.assertEachExactlyOnce(run.checks.readAll(run.output));
            assertEquals(run.records.produced(), run.progress().outputRecords(), "the recomputed batch counts once");
            assertTrue(victim.records() > 0);
        }
    }

    @Test
    void aBatchWhoseInputIsAlsoGoneIsReportedAndThePipelineMovesOn() throws Exception {
        EmbeddedKafkaBroker kafka = EngineFixture.broker();
        try (InProcessEngine engine = InProcessEngine.start(kafka.bootstrapServers(), c -> c, 1, "only")) {
            Run run = new Run(kafka, engine);
            BatchManifest victim = run.dropBlocksOfAWaitingBatch(manifest -> {
                try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
                    for (OffsetRange r : manifest.ranges()) { // as retention would
                        admin.deleteRecords(Map.of(new TopicPartition(r.topic(), r.partition()),
                                RecordsToDelete.beforeOffset(r.until()))).all().get(30, TimeUnit.SECONDS);
                    }
                }
            });
            run.awaitEnd();
            String error = run.progress().lastError();
            assertTrue(error != null && error.contains("batch " + victim.batchTime()) && error.contains("skipped"),
                    "the status says which batch was lost and that its records are skipped: " + error);
            List<ConsumerRecord<String, String>> out = run.checks.readAll(run.output);
            Set<String> distinct = new HashSet<>(out.stream().map(ConsumerRecord::value).toList());
            assertEquals(out.size(), distinct.size(), "nothing is written twice");
            assertEquals(run.records.produced() - victim.records(), out.size(), "everything but the lost batch is written");
        }
    }

    /** A slow pipeline with one slot, so that later batches wait, cut and stored, for their turn. */
    private static final class Run {
        final Scheduler scheduler;
        final BatchStore store;
        final String input = EngineFixture.unique("in");
        final String output = EngineFixture.unique("out");
        final String pipeline = EngineFixture.unique("lost");
        final UniqueRecords records;
        final KafkaChecks checks;

        Run(EmbeddedKafkaBroker kafka, InProcessEngine engine) throws Exception {
            scheduler = engine.scheduler;
            store = engine.node.batchStore();
            kafka.createTopic(input, 1);
            scheduler.registerFunction("slowly", "io.sluice.testfunctions.PassthroughSlowly", EngineFixture.testFunctionsJar());
            scheduler.createPipeline(pipeline, "slowly", List.of(input), output, Duration.ofMillis(200), 1,
                    Map.of("delay.ms", "400"), Delivery.EXACTLY_ONCE);
            records = new UniqueRecords(kafka.bootstrapServers(), input);
            checks = new KafkaChecks(kafka.bootstrapServers());
            records.produceSteadily(500, Duration.ofSeconds(2));
        }

        interface Damage {
            void apply(BatchManifest manifest) throws Exception;
        }

        BatchManifest dropBlocksOfAWaitingBatch() throws Exception {
            return dropBlocksOfAWaitingBatch(m -> { });
        }

        /** Removes the blocks of the newest stored batch, which has not run yet, keeping its manifest. */
        BatchManifest dropBlocksOfAWaitingBatch(Damage alsoDo) throws Exception {
            Await.until(Duration.ofSeconds(30), () -> store.manifests(pipeline).size() >= 3,
                    () -> "batches wait for the one slot: " + store.manifests(pipeline));
            List<BatchManifest> stored = store.manifests(pipeline);
            BatchManifest victim = stored.get(stored.size() - 1);
            alsoDo.apply(victim);
            store.removeBatch(victim);
            store.putManifest(victim);
            return victim;
        }

        void awaitEnd() {
            Await.until(Duration.ofSeconds(90), () -> checks.committedToEnd("sluice." + pipeline, input),
                    () -> "the pipeline gets past the batch whose blocks were lost; progress: " + scheduler.progress(pipeline));
        }

        PipelineProgress progress() {
            return scheduler.progress(pipeline).orElseThrow();
        }
    }
}
