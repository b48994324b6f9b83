package io.sluice.scheduler.it;

import io.sluice.core.status.PipelineProgress;
import io.sluice.kafka.embedded.EmbeddedKafkaBroker;
import io.sluice.scheduler.Scheduler;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Acceptance 3 of the engine: tasks go to whichever runtime is free. One runtime sleeps on every
 * task; the other must end up with clearly more of them, and every batch must still complete.
 */
class LoadBalancingIT {

    @Test
    void theFastRuntimeTakesMoreTasksAndEveryBatchCompletes() throws Exception {
        EmbeddedKafkaBroker kafka = EngineFixture.broker();
        try (InProcessEngine engine = InProcessEngine.start(kafka.bootstrapServers(), c -> c, 1, "fast", "slow")) {
            Scheduler scheduler = engine.scheduler;

            String input = EngineFixture.unique("events");
            String output = EngineFixture.unique("passed");
            String pipeline = EngineFixture.unique("balanced");
            kafka.createTopic(input, 4);
            scheduler.registerFunction("slow-on-runtime", EngineFixture.SLOW_ON_RUNTIME, EngineFixture.testFunctionsJar());
            scheduler.createPipeline(pipeline, "slow-on-runtime", List.of(input), output, Duration.ofMillis(250), 4,
                    Map.of("slow.runtime", "slow", "sleep.ms", "300"));

            WordCorpus corpus = new WordCorpus(3);
            Waves.produce(12, Duration.ofMillis(250), () -> corpus.produce(kafka.bootstrapServers(), input, 500));

            KafkaChecks checks = new KafkaChecks(kafka.bootstrapServers());
            Await.until(Duration.ofSeconds(90), () -> checks.committedToEnd("sluice." + pipeline, input),
                    () -> "every batch completes; progress: " + scheduler.progress(pipeline));
            PipelineProgress progress = scheduler.progress(pipeline).orElseThrow();
            assertEquals(corpus.produced(), progress.records());
            assertEquals(corpus.produced(), checks.readAll(output).size(), "every record passed through once");

            long fastTasks = EngineFixture.tasksCompletedBy(scheduler, "fast");
            long slowTasks = EngineFixture.tasksCompletedBy(scheduler, "slow");
            assertTrue(slowTasks > 0, "the slow runtime still gets work when it is free");
            assertTrue(fastTasks >= 2 * slowTasks, "fast ran " + fastTasks + " tasks, slow " + slowTasks);
        }
    }
}
