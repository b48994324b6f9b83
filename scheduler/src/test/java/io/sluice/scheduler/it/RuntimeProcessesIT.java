package io.sluice.scheduler.it;

import io.sluice.core.status.RuntimeInfo;
import io.sluice.kafka.embedded.EmbeddedKafkaBroker;
import io.sluice.scheduler.Scheduler;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The scheduler in this JVM, three runtimes in their own JVMs, started at the same moment, that
 * join its Infinispan cluster as zero-capacity members and read blocks from it. Started together,
 * one of them once stayed parked in the grid's state transfer for over 40 s while connected and
 * offered slots it could not use; now each offers slots only once it has joined, and a join that
 * takes too long is abandoned and tried again.
 */
@Tag("slow")
class RuntimeProcessesIT {

    private static final Logger log = LoggerFactory.getLogger(RuntimeProcessesIT.class);
    private static final int RECORDS = 100_000;

    @Test
    void threeRuntimeProcessesStartedTogetherAllJoinShareTheWorkAndCountEveryWordOnce() throws Exception {
        EmbeddedKafkaBroker kafka = EngineFixture.broker();
        long start = System.nanoTime();
        try (ClusteredScheduler cluster = ClusteredScheduler.start(kafka, "process-a", "process-b", "process-c")) {
            Scheduler scheduler = cluster.scheduler;
            RuntimeProcess a = cluster.processes.get(0);
            RuntimeProcess b = cluster.processes.get(1);
            RuntimeProcess c = cluster.processes.get(2);
            cluster.awaitReady(3, Duration.ofSeconds(90));
            log.info("three runtimes started together were all ready after {} ms", (System.nanoTime() - start) / 1_000_000);

            String input = EngineFixture.unique("words");
            String output = EngineFixture.unique("counts");
            String pipeline = EngineFixture.unique("wordcount");
            kafka.createTopic(input, 8);
            scheduler.registerFunction("wordcount", EngineFixture.WORD_COUNT, EngineFixture.wordCountJar());
            scheduler.createPipeline(pipeline, "wordcount", List.of(input), output, Duration.ofSeconds(1), 8, Map.of());

            WordCorpus corpus = new WordCorpus(7);
            Waves.produce(5, Duration.ofMillis(700), () -> corpus.produce(kafka.bootstrapServers(), input, RECORDS / 5));

            KafkaChecks checks = new KafkaChecks(kafka.bootstrapServers());
            Await.until(Duration.ofSeconds(120), () -> checks.committedToEnd("sluice." + pipeline, input),
                    () -> "offsets reach the end of the input; progress: " + scheduler.progress(pipeline)
                            + "\na:\n" + a.tail() + "\nb:\n" + b.tail() + "\nc:\n" + c.tail());
            assertEquals(corpus.expectedCounts(), KafkaChecks.sumCounts(checks.readAll(output)));

            List<RuntimeInfo> runtimes = scheduler.runtimes();
            assertTrue(a.isAlive() && b.isAlive() && c.isAlive());
            assertEquals(List.of("process-a", "process-b", "process-c"),
                    runtimes.stream().map(RuntimeInfo::name).sorted().toList());
            for (RuntimeInfo runtime : runtimes) {
                assertTrue(runtime.completed() > 0, runtime.name() + " ran tasks: " + runtimes);
            }
        }
    }
}
