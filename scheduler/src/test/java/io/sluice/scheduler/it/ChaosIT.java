package io.sluice.scheduler.it;

import io.sluice.core.registry.Delivery;
import io.sluice.core.status.BatchInfo;
import io.sluice.core.status.PipelineProgress;
import io.sluice.kafka.embedded.EmbeddedKafkaBroker;
import io.sluice.scheduler.Scheduler;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runtimes die all the time: for a minute of steady input, a random runtime process is SIGKILLed
 * every 5 s and a new one started. Every input record still reaches the read_committed output
 * exactly once.
 */
@Tag("slow")
class ChaosIT {

    private static final Logger log = LoggerFactory.getLogger(ChaosIT.class);
    private static final Duration INPUT = Duration.ofSeconds(60);
    private static final Duration KILL_EVERY = Duration.ofSeconds(5);

    @Test
    void aRuntimeKilledEveryFiveSecondsLosesAndDuplicatesNothing() throws Exception {
        EmbeddedKafkaBroker kafka = EngineFixture.broker();
        ExecutorService input = Executors.newSingleThreadExecutor();
        try (ClusteredScheduler cluster = ClusteredScheduler.start(kafka, "chaos-0", "chaos-1", "chaos-2")) {
            Scheduler scheduler = cluster.scheduler;
            List<RuntimeProcess> runtimes = new ArrayList<>(cluster.processes);
            cluster.awaitReady(3, Duration.ofSeconds(90));

            String in = EngineFixture.unique("in");
            String output = EngineFixture.unique("out");
            String pipeline = EngineFixture.unique("chaos");
            kafka.createTopic(in, 4);
            scheduler.registerFunction("slowly", "io.sluice.testfunctions.PassthroughSlowly", EngineFixture.testFunctionsJar());
            scheduler.createPipeline(pipeline, "slowly", List.of(in), output, Duration.ofMillis(500), 6,
                    Map.of("delay.ms", "100"), Delivery.EXACTLY_ONCE);

            UniqueRecords records = new UniqueRecords(kafka.bootstrapServers(), in);
            Future<?> producing = input.submit(() -> {
                records.produceSteadily(1_000, INPUT);
                return null;
            });
            Random random = new Random(42);
            int started = runtimes.size();
            int kills = 0;
            long worst = 0;
            while (!producing.isDone()) {
                Thread.sleep(KILL_EVERY.toMillis()); // the chaos schedule
                worst = Math.max(worst, worstTotalDelay(scheduler, pipeline));
                RuntimeProcess victim = runtimes.remove(random.nextInt(runtimes.size()));
                victim.kill();
                kills++;
                runtimes.add(cluster.startRuntime("chaos-" + started++));
            }
            producing.get();

            KafkaChecks checks = new KafkaChecks(kafka.bootstrapServers());
            Await.until(Duration.ofSeconds(120), () -> checks.committedToEnd("sluice." + pipeline, in),
                    () -> "the pipeline commits to the end; progress: " + scheduler.progress(pipeline));
            records.assertEachExactlyOnce(checks.readAll(output));

            PipelineProgress progress = scheduler.progress(pipeline).orElseThrow();
            worst = Math.max(worst, worstTotalDelay(scheduler, pipeline));
            log.info("Chaos: {} runtime kill(s), {} records, {} batches, {} attempts for {} tasks; worst total delay of the "
                    + "run: {} ms", kills, records.produced(), progress.batches(), progress.attempts(), progress.tasksRun(), worst);
            assertTrue(kills >= 10, "at least ten runtimes were killed: " + kills);
            assertEquals(records.produced(), progress.records());
            assertEquals(records.produced(), progress.outputRecords(), "output counts are true too");
        } finally {
            input.shutdownNow();
        }
    }

    /** The status keeps the last 50 batches: sampled every 5 s, that is every batch of the run. */
    private static long worstTotalDelay(Scheduler scheduler, String pipeline) {
        return scheduler.progress(pipeline).map(p -> p.recent().stream().map(BatchInfo::totalDelay)
                .mapToLong(Duration::toMillis).max().orElse(0)).orElse(0L);
    }
}
