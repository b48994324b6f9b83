package io.sluice.scheduler.it;

import io.sluice.core.registry.Delivery;
import io.sluice.kafka.embedded.EmbeddedKafkaBroker;
import io.sluice.scheduler.Scheduler;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The broker goes away while batches are in flight and comes back on the same address: ingest
 * and the sinks wait it out, nothing is dead-lettered, and every record is in the output once.
 */
@Tag("slow")
class BrokerRestartIT {

    @Test
    void aBrokerRestartMidStreamLosesNothingAndDuplicatesNothing() throws Exception {
        // Its own broker: restarting the shared one would disturb other tests.
        try (EmbeddedKafkaBroker kafka = EmbeddedKafkaBroker.create().start();
             InProcessEngine engine = InProcessEngine.start(kafka.bootstrapServers(), c -> c, 2, "a", "b")) {
            Scheduler scheduler = engine.scheduler;
            String input = "in";
            String output = "out";
            String pipeline = "restarted";
            kafka.createTopic(input, 4);
            scheduler.registerFunction("slowly", "io.sluice.testfunctions.PassthroughSlowly", EngineFixture.testFunctionsJar());
            scheduler.createPipeline(pipeline, "slowly", List.of(input), output, Duration.ofMillis(300), 4,
                    Map.of("delay.ms", "100"), Delivery.EXACTLY_ONCE);

            UniqueRecords records = new UniqueRecords(kafka.bootstrapServers(), input);
            records.produce(5_000);
            Await.until(Duration.ofSeconds(60), () -> scheduler.progress(pipeline).map(p -> p.batches() > 0).orElse(false),
                    "a first batch commits");
            records.produce(5_000);

            kafka.stop();
            Thread.sleep(3_000); // the outage itself: the broker stays away this long on purpose
            kafka.start();
            records.produce(5_000);

            KafkaChecks checks = new KafkaChecks(kafka.bootstrapServers());
            Await.until(Duration.ofSeconds(120), () -> checks.committedToEnd("sluice." + pipeline, input),
                    () -> "the pipeline commits to the end after the restart; progress: " + scheduler.progress(pipeline));
            records.assertEachExactlyOnce(checks.readAll(output));
            assertEquals(records.produced(), scheduler.progress(pipeline).orElseThrow().records());
            assertTrue(checks.readAll("sluice.dlq." + pipeline).isEmpty(), "nothing was dead-lettered");
        }
    }
}
