package io.sluice.scheduler.it;

import io.sluice.core.registry.Delivery;
import io.sluice.kafka.embedded.EmbeddedKafkaBroker;
import io.sluice.scheduler.Scheduler;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Exactly-once output: a failed attempt's output never shows, and a retry's shows once. */
class ExactlyOnceIT {

    @Test
    void outputOfFailedAttemptsIsAbortedSoEveryRecordAppearsOnce() throws Exception {
        EmbeddedKafkaBroker kafka = EngineFixture.broker();
        try (InProcessEngine engine = InProcessEngine.start(kafka.bootstrapServers(), c -> c, 2, "a", "b")) {
            Scheduler scheduler = engine.scheduler;
            String input = EngineFixture.unique("in");
            String output = EngineFixture.unique("out");
            String pipeline = EngineFixture.unique("eo");
            kafka.createTopic(input, 4);
            scheduler.registerFunction("emit-then-fail", "io.sluice.testfunctions.EmitThenFailOnce", EngineFixture.testFunctionsJar());
            scheduler.createPipeline(pipeline, "emit-then-fail", List.of(input), output, Duration.ofMillis(300), 4, Map.of(),
                    Delivery.EXACTLY_ONCE);

            UniqueRecords records = new UniqueRecords(kafka.bootstrapServers(), input);
            Waves.produce(5, Duration.ofMillis(300), () -> records.produce(2_000));

            KafkaChecks checks = new KafkaChecks(kafka.bootstrapServers());
            Await.until(Duration.ofSeconds(60), () -> checks.committedToEnd("sluice." + pipeline, input),
                    () -> "the pipeline commits to the end; progress: " + scheduler.progress(pipeline));
            records.assertEachExactlyOnce(checks.readAll(output));
            assertTrue(engine.tasksFailed() >= 2, "each runtime's instance failed once after emitting");
        }
    }

    @Test
    void atLeastOnceWouldHaveDuplicatedTheSameRun() throws Exception {
        // The control: the same failures with the at-least-once sink do duplicate, so the test above
        // passes because of the transactions, not because nothing failed.
        EmbeddedKafkaBroker kafka = EngineFixture.broker();
        try (InProcessEngine engine = InProcessEngine.start(kafka.bootstrapServers(), c -> c, 1, "a")) {
            Scheduler scheduler = engine.scheduler;
            String input = EngineFixture.unique("in");
            String output = EngineFixture.unique("out");
            String pipeline = EngineFixture.unique("alo");
            kafka.createTopic(input, 1);
            scheduler.registerFunction("emit-then-fail", "io.sluice.testfunctions.EmitThenFailOnce", EngineFixture.testFunctionsJar());
            scheduler.createPipeline(pipeline, "emit-then-fail", List.of(input), output, Duration.ofMillis(300), 1, Map.of(),
                    Delivery.AT_LEAST_ONCE);
            UniqueRecords records = new UniqueRecords(kafka.bootstrapServers(), input);
            records.produce(100);
            KafkaChecks checks = new KafkaChecks(kafka.bootstrapServers());
            Await.until(Duration.ofSeconds(60), () -> checks.committedToEnd("sluice." + pipeline, input), "committed");
            assertEquals(200, checks.readAll(output).size(), "the failed attempt's 100 records, then the retry's 100");
        }
    }
}
