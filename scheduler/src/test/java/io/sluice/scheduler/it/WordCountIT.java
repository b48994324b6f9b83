package io.sluice.scheduler.it;

import io.sluice.core.cluster.SluiceNode;
import io.sluice.core.registry.FunctionSpec;
import io.sluice.core.status.PipelineProgress;
import io.sluice.kafka.embedded.EmbeddedKafkaBroker;
import io.sluice.runtime.FunctionRuntime;
import io.sluice.runtime.RuntimeConfig;
import io.sluice.scheduler.Scheduler;
import io.sluice.scheduler.SchedulerConfig;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Acceptance 1 of the engine: word count over 1 s batches on a real broker, two in-process runtimes. */
class WordCountIT {

    private static final int RECORDS = 100_000;

    private final EmbeddedKafkaBroker kafka = EngineFixture.broker();
    private Vertx vertx;
    private SluiceNode node;
    private Scheduler scheduler;
    private FunctionRuntime first;
    private FunctionRuntime second;

    @BeforeEach
    void start() throws InterruptedException {
        vertx = Vertx.vertx();
        node = SluiceNode.local();
        scheduler = Scheduler.start(SchedulerConfig.defaults(kafka.bootstrapServers()).withPort(0), node, vertx);
        first = FunctionRuntime.startInProcess(RuntimeConfig.of(scheduler.runtimeUri(), "in-process-1", 2), node, vertx);
        second = FunctionRuntime.startInProcess(RuntimeConfig.of(scheduler.runtimeUri(), "in-process-2", 2), node, vertx);
        assertTrue(first.awaitReady(Duration.ofSeconds(30)) && second.awaitReady(Duration.ofSeconds(30)));
    }

    @AfterEach
    void stop() {
        first.close();
        second.close();
        scheduler.close();
        node.close();
        vertx.close();
    }

    @Test
    void countsEveryWordOfAHundredThousandKeyedRecordsExactlyOnceAndCommitsToTheEnd() throws Exception {
        String input = EngineFixture.unique("words");
        String output = EngineFixture.unique("counts");
        String pipeline = EngineFixture.unique("wordcount");
        kafka.createTopic(input, 8);

        FunctionSpec fn = scheduler.registerFunction("wordcount", EngineFixture.WORD_COUNT, EngineFixture.wordCountJar());
        assertEquals(1, fn.version());
        assertThrows(ClassNotFoundException.class, () -> Class.forName(EngineFixture.WORD_COUNT),
                "the function must come from its jar, not from the test class path");
        scheduler.createPipeline(pipeline, "wordcount", List.of(input), output, Duration.ofSeconds(1), 4, Map.of());

        // Produce in waves so the stream spans several one-second batches.
        WordCorpus corpus = new WordCorpus(42);
        Waves.produce(5, Duration.ofMillis(700), () -> corpus.produce(kafka.bootstrapServers(), input, RECORDS / 5));
        assertEquals(RECORDS, corpus.produced());

        KafkaChecks checks = new KafkaChecks(kafka.bootstrapServers());
        Await.until(Duration.ofSeconds(90), () -> checks.committedToEnd("sluice." + pipeline, input),
                () -> "offsets of group sluice." + pipeline + " reach the end of " + input + "; progress: "
                        + scheduler.progress(pipeline));

        Map<String, Long> counted = KafkaChecks.sumCounts(checks.readAll(output));
        assertEquals(corpus.expectedCounts(), counted, "per-word counts summed over all batches");
        assertEquals(corpus.totalWords(), counted.values().stream().mapToLong(Long::longValue).sum());

        PipelineProgress progress = scheduler.progress(pipeline).orElseThrow();
        assertEquals(RECORDS, progress.records(), "records accounted for in committed batches");
        assertTrue(progress.batches() >= 3, "the input spans several batches, saw " + progress.batches());
        assertTrue(EngineFixture.tasksCompletedBy(scheduler, "in-process-1") > 0, "runtime 1 ran tasks");
        assertTrue(EngineFixture.tasksCompletedBy(scheduler, "in-process-2") > 0, "runtime 2 ran tasks");
    }
}
