package io.sluice.scheduler.it;

import io.sluice.core.registry.Delivery;
import io.sluice.core.status.RuntimeInfo;
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
 * The failure model's first row, for real: a runtime process is killed with SIGKILL while it runs
 * tasks with half their output written. Its tasks run again elsewhere, and with exactly-once
 * delivery every input record is in the output once.
 */
@Tag("slow")
class RuntimeKilledIT {

    @Test
    void sigkillOfARuntimeMidTaskLosesNothingAndDuplicatesNothing() throws Exception {
        EmbeddedKafkaBroker kafka = EngineFixture.broker();
        try (ClusteredScheduler cluster = ClusteredScheduler.start(kafka, "victim", "survivor-1", "survivor-2")) {
            Scheduler scheduler = cluster.scheduler;
            RuntimeProcess victim = cluster.processes.get(0);
            cluster.awaitReady(3, Duration.ofSeconds(90));

            String input = EngineFixture.unique("in");
            String output = EngineFixture.unique("out");
            String pipeline = EngineFixture.unique("killed");
            kafka.createTopic(input, 4);
            scheduler.registerFunction("slowly", "io.sluice.testfunctions.PassthroughSlowly", EngineFixture.testFunctionsJar());
            scheduler.createPipeline(pipeline, "slowly", List.of(input), output, Duration.ofMillis(500), 6,
                    Map.of("delay.ms", "300"), Delivery.EXACTLY_ONCE);

            UniqueRecords records = new UniqueRecords(kafka.bootstrapServers(), input);
            records.produce(5_000);
            Await.until(Duration.ofSeconds(60), () -> running(scheduler, "victim") > 0, "the victim runs tasks");
            victim.kill();
            assertTrue(!victim.isAlive());
            Waves.produce(5, Duration.ofMillis(300), () -> records.produce(3_000));

            KafkaChecks checks = new KafkaChecks(kafka.bootstrapServers());
            Await.until(Duration.ofSeconds(120), () -> checks.committedToEnd("sluice." + pipeline, input),
                    () -> "the pipeline commits to the end without the victim; progress: " + scheduler.progress(pipeline)
                            + "\nsurvivor-1:\n" + cluster.processes.get(1).tail());
            records.assertEachExactlyOnce(checks.readAll(output));
            assertEquals(List.of("survivor-1", "survivor-2"),
                    scheduler.runtimes().stream().map(RuntimeInfo::name).sorted().toList(), "the victim is gone");
            assertEquals(records.produced(), scheduler.progress(pipeline).orElseThrow().records());
        }
    }

    private static int running(Scheduler scheduler, String name) {
        return scheduler.runtimes().stream().filter(r -> r.name().equals(name)).mapToInt(RuntimeInfo::running).sum();
    }
}
