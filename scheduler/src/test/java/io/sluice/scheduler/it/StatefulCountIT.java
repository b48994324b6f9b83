package io.sluice.scheduler.it;

import io.sluice.core.cluster.ClusterSettings;
import io.sluice.core.cluster.SluiceNode;
import io.sluice.core.registry.Delivery;
import io.sluice.core.registry.FunctionSpec;
import io.sluice.core.registry.PipelineSpec;
import io.sluice.core.registry.PipelineState;
import io.sluice.core.registry.StageSpec;
import io.sluice.core.status.PipelineProgress;
import io.sluice.kafka.embedded.EmbeddedKafkaBroker;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A running count per key with state, exactly-once, in separate processes: a scheduler and two
 * runtimes, this JVM holding a copy of the grid. One runtime is killed with SIGKILL while tasks
 * run, then the scheduler, which is started again. Every key's emitted counts must go up by
 * exactly its records of each batch, with no count emitted twice, and end at the key's number
 * of input records.
 */
@Tag("slow")
class StatefulCountIT {

    private static final int KEYS = 101; // UniqueRecords' keys

    @Test
    void runningCountsStayExactAcrossARuntimeKillAndASchedulerRestart() throws Exception {
        EmbeddedKafkaBroker kafka = EngineFixture.broker();
        String cluster = EngineFixture.unique("cluster");
        int dataPort = EngineFixture.freePort();
        int schedulerClusterPort = EngineFixture.freePort();
        int runtimePort = EngineFixture.freePort();
        String hosts = "127.0.0.1[" + dataPort + "],127.0.0.1[" + schedulerClusterPort + "]";
        String[] schedulerArgs = {kafka.bootstrapServers(), cluster, Integer.toString(schedulerClusterPort), hosts,
            Integer.toString(runtimePort)};
        String schedulerUri = "ws://127.0.0.1:" + runtimePort + "/runtime";

        try (SluiceNode data = SluiceNode.clustered(new ClusterSettings(cluster, "127.0.0.1", dataPort,
                List.of(hosts.split(",")), false))) {
            RuntimeProcess scheduler = RuntimeProcess.java("scheduler", SchedulerProcessMain.class.getName(), schedulerArgs);
            try (RuntimeProcess r1 = RuntimeProcess.start("state-r1", schedulerUri, 2);
                 RuntimeProcess r2 = RuntimeProcess.start("state-r2", schedulerUri, 2)) {
                Await.until(Duration.ofSeconds(60), () -> data.members() == 4 && data.statusBoard().runtimes().size() == 2,
                        () -> "scheduler and runtimes are up; scheduler:\n" + scheduler.tail());

                String input = EngineFixture.unique("in");
                String output = EngineFixture.unique("counts");
                String pipeline = EngineFixture.unique("running");
                kafka.createTopic(input, 4);
                FunctionSpec fn = data.registry().putFunction("slowly", "io.sluice.testfunctions.PassthroughSlowly",
                        EngineFixture.testFunctionsJar());
                data.registry().createPipeline(new PipelineSpec(pipeline, "slowly", fn.version(), List.of(input), output,
                        Duration.ofMillis(500), 4, Map.of("delay.ms", "100", "state.delay.ms", "3"),
                        Delivery.EXACTLY_ONCE, PipelineState.RUNNING, System.currentTimeMillis(), true,
                        List.of(StageSpec.state("io.sluice.testfunctions.RunningCount", 4, Duration.ZERO))));

                UniqueRecords records = new UniqueRecords(kafka.bootstrapServers(), input);
                records.produce(3_000);
                Await.until(Duration.ofSeconds(60), () -> batches(data, pipeline) > 0, "a first batch commits");
                records.produce(3_000);
                Await.until(Duration.ofSeconds(30), () -> data.statusBoard().runtimes().stream()
                                .anyMatch(r -> r.name().equals("state-r1") && r.running() > 0),
                        "tasks are running on state-r1");
                r1.kill();

                records.produce(3_000);
                long before = batches(data, pipeline);
                Await.until(Duration.ofSeconds(60), () -> batches(data, pipeline) > before,
                        () -> "batches commit without state-r1; scheduler:\n" + scheduler.tail());
                records.produce(3_000);
                Await.until(Duration.ofSeconds(30), () -> data.statusBoard().runtimes().stream().anyMatch(r -> r.running() > 0),
                        "tasks of the fourth wave are running");
                scheduler.kill();

                records.produce(3_000);
                RuntimeProcess restarted = RuntimeProcess.java("scheduler", SchedulerProcessMain.class.getName(), schedulerArgs);
                try {
                    KafkaChecks checks = new KafkaChecks(kafka.bootstrapServers());
                    Await.until(Duration.ofSeconds(120), () -> checks.committedToEnd("sluice." + pipeline, input),
                            () -> "the restarted scheduler commits to the end; scheduler:\n" + restarted.tail());
                    Await.until(Duration.ofSeconds(30), () -> data.batchStore().manifests(pipeline).stream()
                                    .allMatch(m -> m.records() == 0),
                            () -> "every batch with input committed: " + data.batchStore().manifests(pipeline));
                    assertCountsExact(checks.readAll(output), records.produced());
                } finally {
                    restarted.kill();
                }
            }
        }
    }

    /** Each key's counts, in output order, rise strictly and end at its number of input records. */
    private static void assertCountsExact(List<ConsumerRecord<String, String>> output, long produced) {
        Map<String, List<Long>> counts = new TreeMap<>();
        output.forEach(r -> counts.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(Long.parseLong(r.value())));
        Map<String, Long> expected = new HashMap<>();
        for (long i = 0; i < produced; i++) {
            expected.merge("k" + (i % KEYS), 1L, Long::sum);
        }
        assertEquals(expected.keySet(), counts.keySet(), "every key has counts");
        for (Map.Entry<String, List<Long>> e : counts.entrySet()) {
            List<Long> seen = e.getValue();
            for (int i = 1; i < seen.size(); i++) {
                assertTrue(seen.get(i) > seen.get(i - 1), "key " + e.getKey() + " emitted " + seen
                        + ": a count repeated or went back, so a batch was applied or written twice");
            }
            assertEquals(expected.get(e.getKey()), seen.get(seen.size() - 1),
                    "key " + e.getKey() + "'s final count, after " + seen.size() + " batches: " + seen);
        }
    }

    private static long batches(SluiceNode node, String pipeline) {
        return node.statusBoard().progress(pipeline).map(PipelineProgress::batches).orElse(0L);
    }
}
